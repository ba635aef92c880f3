"""DiffCPS's published D4RL scores that the transfer table sets beside its own DiffCPS on the true reward."""

#: the paper's Table 1, HalfCheetah: D4RL-normalised score, mean and standard deviation over 5 seeds
TABLE_1_HALFCHEETAH = {"halfcheetah-medium-expert-v2": (100.3, 4.1), "halfcheetah-medium-replay-v2": (50.5, 0.6)}

#: per environment, the D4RL task whose published score sits beside DiffCPS on the true reward: the task
#: closest to the transfer data. HalfCheetah's is medium-replay plus expert, which no D4RL task is; medium-expert
#: shares its expert half (and DiffCPS's budget is that task's, docs/transfer.md)
COMPARED_TASKS = {"halfcheetah": "halfcheetah-medium-expert-v2"}

PUBLISHED = {"halfcheetah": TABLE_1_HALFCHEETAH}


def published_score(environment: str) -> tuple[str, float, float] | None:
    """(D4RL task, mean, std) of the paper's DiffCPS score beside ours in ``environment``, or None."""
    task = COMPARED_TASKS.get(environment)
    return (task, *PUBLISHED[environment][task]) if task else None
