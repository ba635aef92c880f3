"""Reward transfer: learners other than the diffuser a reward was learnt through."""

from diffirl.envs.registry import EnvironmentSpec

#: the environments each transfer table covers (each needs ``transfer.ENV`` set): ``make transfer`` the
#: U-Maze, sized for the default scale; ``make transfer_full`` the Large Maze and HalfCheetah too (the
#: paper scale's)
TRANSFER_EXTENTS = {"core": ("umaze",), "full": ("umaze", "large", "halfcheetah")}
#: the offline learners each reward is handed to (diffirl/transfer/learners.py registers them)
LEARNER_NAMES = ("diffcps", "td3_bc")
#: per environment, the recovery variant whose per-step reward networks are the thesis's method's
#: transferable rewards
PER_STEP_VARIANTS = {
    "umaze": "recovery_per_step",
    "large": "recovery_large_per_step",
    "halfcheetah": "halfcheetah_per_step",
}


def transfer_splits(spec: EnvironmentSpec) -> tuple[str, ...]:
    """The datasets the learners train on: the environment's ERC splits, which the learnt rewards were
    scored on (the mazes' base data; HalfCheetah's medium-replay and expert data, the thesis's mix)."""
    return spec.erc_splits


def has_steering_test(spec: EnvironmentSpec) -> bool:
    """The steering test pairs every learnt reward with true-reward guidance of the same diffuser, which
    exists where the true reward is designed (the mazes), not where it is the simulator's (HalfCheetah)."""
    return spec.has_true_reward_guide
