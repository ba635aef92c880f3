"""``reports/transfer.csv``: does a learnt reward teach a learner other than the diffuser it was learnt
through? The transfer table (``make transfer``), its figure and its page.

Two tests, one row per environment, learner and reward, each scored by the true reward over the
evaluation's start states and environment seeds and paired per rollout with the same learner on the
true reward:

- ``offline_rl``: an offline learner (DiffCPS, TD3+BC) trained on the environment's transfer data
  relabelled by the reward; its control is the true reward's values shuffled over the transitions;
- ``steering`` (the mazes, whose true reward can guide a diffuser): the study's base diffuser and one
  trained independently (another seed) guided by the reward; their control is the diffuser unguided.

Per row: the lift (mean return difference to the true reward's, t-interval) and the transfer score
(mean return / the true reward's, paired percentile bootstrap; 1: as much as the true reward; in
HalfCheetah both measured from D4RL's random-policy return, so a ratio of normalised scores). A
learnt reward transfers where its learner returns more than on the control (the paired difference's
interval above 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffirl.reports.diffcps_paper import published_score
from diffirl.reports.recovery import recovery_ratio
from diffirl.reports.results import d4rl_score_summary, paired_difference

TITLE = "Reward transfer: do the learnt rewards teach other learners?"


def intro(table_file) -> str:
    """The page's opening paragraph, naming the table its numbers come from."""
    return (
        "Two tests of whether a learnt reward teaches something other than the diffuser it was learnt through. "
        "Offline RL: the reward relabels the environment's data (a maze's base dataset; HalfCheetah's medium-replay and "
        "expert data, the thesis's ERC mix; standardised over it) and an offline learner, DiffCPS (a diffusion policy, "
        "written from its paper) or TD3+BC (d3rlpy), trains on it; its control is the true reward's values shuffled over "
        "the transitions, a reward that says nothing about the task. Steering (in the mazes, whose true reward can guide "
        "a diffuser to pair with): the reward guides the study's base diffuser and one trained independently on the same "
        "data from another seed (Nuti et al.'s Table 6 design); their control is the diffuser unguided. Every policy is "
        "rolled out from the evaluation's start states and scored by the true reward (HalfCheetah's: the simulator's), "
        "and each row is paired with the same learner on the true reward: the lift (95% t-interval) and the transfer "
        "score, the ratio of the mean returns (95% paired percentile bootstrap; 1: the reward teaches as much as the "
        "true reward; in HalfCheetah, whose returns can be negative, of the returns above D4RL's random policy's, "
        f"the ratio of D4RL's normalised scores). Every number comes from {table_file}."
    )


def transfer_row(
    environment: str,
    test: str,
    learner: str,
    learner_label: str,
    reward: str,
    kind: str,
    description: str,
    returns: list[float],
    true_returns: list[float],
    control_returns: list[float],
    confidence: float,
    resamples: int,
    seed: int,
    d4rl_reference: tuple[float, float] | None = None,
) -> dict:
    """One learner (or diffuser) trained on (or guided by) one reward, against the same learner on the true
    reward and against its control; ``kind``: reference (the true reward), control or learnt. The transfer
    score is (return - floor) / (true reward's return - floor): the floor 0 in the mazes, whose returns are
    positive; where D4RL scores the environment (``d4rl_reference``: its random and expert returns; HalfCheetah,
    whose returns can be negative) its random policy's return, so the score is the ratio of D4RL's normalised
    scores, which the row also gives (mean and standard error over the rollouts)."""
    returns, true_returns, control_returns = (
        np.asarray(r, dtype=np.float64) for r in (returns, true_returns, control_returns)
    )
    for other, name in ((true_returns, "the true reward"), (control_returns, "the control")):
        if returns.shape != other.shape:
            raise ValueError(
                f"{learner} on {reward}: {len(returns)} rollouts against {len(other)} on {name}; "
                "rerun both with the same evaluation settings"
            )
    lift = paired_difference(returns, true_returns, confidence)
    over_control = paired_difference(returns, control_returns, confidence)
    floor = d4rl_reference[0] if d4rl_reference is not None else 0.0
    score = recovery_ratio(returns, true_returns, np.full_like(returns, floor), confidence, resamples, seed)
    normalised = d4rl_score_summary(returns, d4rl_reference) if d4rl_reference is not None else (None, None)
    return {
        "environment": environment,
        "test": test,
        "learner": learner,
        "learner_label": learner_label,
        "reward": reward,
        "description": description,
        "kind": kind,
        "return_mean": float(returns.mean()),
        "return_std": float(returns.std()),
        "lift_mean": lift[0],
        "lift_low": lift[1],
        "lift_high": lift[2],
        "over_control_mean": over_control[0],
        "over_control_low": over_control[1],
        "over_control_high": over_control[2],
        "transfer_score": score[0],
        "score_low": score[1],
        "score_high": score[2],
        "rollouts": len(returns),
        "d4rl_score_mean": normalised[0],
        "d4rl_score_se": normalised[1],
    }


def published_columns(environment: str, learner: str, kind: str) -> dict:
    """Beside DiffCPS on the true reward, where our data allows a comparison, its paper's D4RL score for the
    closest D4RL task (mean and std over the paper's 5 seeds); empty columns on every other row."""
    published = published_score(environment) if (learner, kind) == ("diffcps", "reference") else None
    task, mean, std = published if published else (None, None, None)
    return {"paper_task": task, "paper_d4rl_score_mean": mean, "paper_d4rl_score_std": std}


#: a D4RL-normalised score this close to the random policy's (0) leaves the transfer score's denominator, the
#: true reward's gain over the random policy, near 0 (the page then says to read the paired differences)
NEAR_RANDOM_D4RL_SCORE = 5.0


def clears_control(row) -> bool:
    """Whether the reward's learner returns more than its control's over the same rollouts (the paired
    difference's interval above 0)."""
    return bool(row["over_control_low"] > 0)


def learner_finding(rows: pd.DataFrame) -> str:
    """What one learner's rows say, in words."""
    label = rows["learner_label"].iloc[0]
    control = rows[rows["kind"] == "control"].iloc[0]
    reference = rows[rows["kind"] == "reference"].iloc[0]
    learnt = rows[rows["kind"] == "learnt"]
    clearing = [r["reward"] for _, r in learnt.iterrows() if clears_control(r)]
    matching = [r["reward"] for _, r in learnt.iterrows() if r["lift_low"] <= 0 <= r["lift_high"]]
    normalised = reference.get("d4rl_score_mean")
    scored = normalised is not None and pd.notna(normalised)
    text = (
        f"{label}: on the true reward it returns {reference['return_mean']:.0f}"
        + (f" (D4RL score {normalised:.1f})" if scored else "")
        + f"; its control ({control['reward']}) scores {control['transfer_score']:.2f} "
        f"[{control['score_low']:.2f}, {control['score_high']:.2f}]. "
    )
    if scored and normalised < NEAR_RANDOM_D4RL_SCORE:
        text += (
            f"Its D4RL score on the true reward is within {NEAR_RANDOM_D4RL_SCORE:.0f} of the random policy's: the "
            "transfer scores are ratios over so small a gain that they swing widely; the paired differences over the "
            "control are the ones to read. "
        )
    text += (
        f"Learnt rewards whose learner returns more than the control's (paired interval above 0): "
        f"{', '.join(clearing)}. "
        if clearing
        else "No learnt reward's learner returns more than the control's (no paired interval above 0). "
    )
    if not clears_control(reference):
        text += (
            "The true reward itself does not beat the control for this learner at this training length (paired "
            "interval not above 0): its scores say which rewards are easier to learn from, not which recover the "
            "task. "
        )
    text += (
        f"Indistinguishable from the true reward (lift's interval contains 0): {', '.join(matching)}."
        if matching
        else "Every learnt reward's return differs from the true reward's (no lift interval contains 0)."
    )
    return text


def paper_comparison(rows: pd.DataFrame) -> list[str]:
    """DiffCPS on the true reward beside its paper's D4RL score, in words, where the table has one."""
    published = rows[rows["paper_task"].notna()] if "paper_task" in rows else rows.iloc[:0]
    return [
        f"DiffCPS on the true reward scores {row['d4rl_score_mean']:.1f} ± {row['d4rl_score_se']:.1f} (D4RL-normalised, "
        f"mean ± standard error over {row['rollouts']} rollouts); its paper reports {row['paper_d4rl_score_mean']:.1f} ± "
        f"{row['paper_d4rl_score_std']:.1f} (5 seeds) on {row['paper_task']}, whose data differs from ours (D4RL's "
        "medium-expert mixes a fixed medium policy's episodes with an expert's; ours is the replay of a generated "
        "medium run and expert episodes)."
        for _, row in published.iterrows()
    ]


def score_figure(frame: pd.DataFrame):
    """Transfer score per reward and learner (points side by side), with intervals, each learner's control dotted
    (points rather than bars: the scores sit near 1, where bars from 0 would hide their differences)."""
    import matplotlib.pyplot as plt

    environments = list(dict.fromkeys(frame["environment"]))
    figure, axes = plt.subplots(1, len(environments), figsize=(10 * len(environments), 4.5), squeeze=False)
    for axis, environment in zip(axes[0], environments):
        rows = frame[frame["environment"] == environment]
        rewards = list(dict.fromkeys(rows["reward"]))
        learners = list(dict.fromkeys(rows["learner"]))
        width = 0.8 / len(learners)
        for k, learner in enumerate(learners):
            mine = rows[rows["learner"] == learner].set_index("reward")
            x = np.array([rewards.index(r) for r in mine.index]) + (k - (len(learners) - 1) / 2) * width
            errors = np.abs(np.vstack([mine["score_low"], mine["score_high"]]) - mine["transfer_score"].to_numpy())
            axis.errorbar(
                x,
                mine["transfer_score"],
                yerr=errors,
                fmt="o",
                capsize=3,
                color=f"C{k}",
                label=mine["learner_label"].iloc[0],
            )
            control = mine.loc[mine["kind"] == "control", "transfer_score"].iloc[0]
            axis.hlines(control, -0.5, len(rewards) - 0.5, colors=f"C{k}", linestyles="dotted")
        axis.axhline(1.0, color="black", linewidth=0.8)
        axis.set_xticks(range(len(rewards)), rewards, rotation=25, ha="right")
        axis.set_ylabel("transfer score (return / true reward's return)")
        axis.set_title(
            f"{environment}: dotted, each learner's control (shuffled reward; unguided diffuser)", fontsize=10
        )
        axis.legend(fontsize=8)
    figure.tight_layout()
    return figure
