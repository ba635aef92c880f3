"""``reports/transfer.csv``: does a learnt reward teach a learner other than the diffuser it was learnt
through? The transfer table (``make transfer``), its figure and its page.

One row per environment, learner and reward. A learner is trained offline on the environment's base
dataset relabelled by the reward and its policy rolled out from the evaluation's start states, scored
by the true reward. Against the same learner trained on the true reward, over the same start states
and environment seeds (paired per rollout):

- the lift: mean(return - true-reward learner's return), with a t-interval;
- the transfer score: mean return / the true-reward learner's mean return, with a paired percentile
  bootstrap interval (1: the reward teaches the learner as much as the true reward does).

The shuffled control (the true reward's values permuted over the transitions) marks the score of a
reward that says nothing about the task: a learnt reward transfers where its score clears the control's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffirl.reports.recovery import recovery_ratio
from diffirl.reports.results import paired_difference
from diffirl.transfer.rewards import CONTROL, REFERENCE

TITLE = "Reward transfer: do the learnt rewards teach other learners?"
INTRO = (
    "Each reward relabels the environment's base dataset (standardised over it); an offline learner trains on it "
    "and its policy is rolled out from the evaluation's start states and scored by the true reward. Rows pair each "
    "policy with the same learner trained on the true reward over the same rollouts: the lift (95% t-interval) and "
    "the transfer score, the ratio of the mean returns (95% paired percentile bootstrap; 1: the reward teaches as "
    "much as the true reward). The shuffled control (the true reward's values permuted over the transitions) gives "
    "the score of a reward that carries no information about the task. The learners: DiffCPS (diffusion policy, "
    "written from its paper) and TD3+BC (d3rlpy). Every number comes from reports/transfer.csv."
)


def transfer_row(
    environment: str,
    learner: str,
    learner_label: str,
    reward: str,
    result: dict,
    true_result: dict,
    confidence: float,
    resamples: int,
    seed: int,
) -> dict:
    """One learner trained on one reward, against the same learner trained on the true reward."""
    returns, true_returns = (np.asarray(r["scores"]["returns"], dtype=np.float64) for r in (result, true_result))
    if returns.shape != true_returns.shape:
        raise ValueError(
            f"{learner} on {reward}: {len(returns)} rollouts against {len(true_returns)} on the true reward; "
            "rerun both with the same evaluation settings"
        )
    lift = paired_difference(returns, true_returns, confidence)
    score = recovery_ratio(returns, true_returns, np.zeros_like(returns), confidence, resamples, seed)
    kind = "reference" if reward == REFERENCE else "control" if reward == CONTROL else "learnt"
    return {
        "environment": environment,
        "learner": learner,
        "learner_label": learner_label,
        "reward": reward,
        "description": result["reward"],
        "kind": kind,
        "return_mean": float(returns.mean()),
        "return_std": float(returns.std()),
        "lift_mean": lift[0],
        "lift_low": lift[1],
        "lift_high": lift[2],
        "transfer_score": score[0],
        "score_low": score[1],
        "score_high": score[2],
        "updates": result["training"]["updates"],
        "rollouts": len(returns),
    }


def clears_control(row, control) -> bool:
    """Whether a reward's transfer score's interval lies above the control's score."""
    return bool(row["score_low"] > control["transfer_score"])


def learner_finding(rows: pd.DataFrame) -> str:
    """What one learner's rows say, in words."""
    label = rows["learner_label"].iloc[0]
    control = rows[rows["kind"] == "control"].iloc[0]
    learnt = rows[rows["kind"] == "learnt"]
    clearing = [r["reward"] for _, r in learnt.iterrows() if clears_control(r, control)]
    matching = [r["reward"] for _, r in learnt.iterrows() if r["lift_low"] <= 0 <= r["lift_high"]]
    text = (
        f"{label}: the true reward's policy returns {rows[rows['kind'] == 'reference'].iloc[0]['return_mean']:.0f}; "
        f"the shuffled control scores {control['transfer_score']:.2f} "
        f"[{control['score_low']:.2f}, {control['score_high']:.2f}]. "
    )
    text += (
        f"Learnt rewards whose score's interval clears the control's: {', '.join(clearing)}. "
        if clearing
        else "No learnt reward's score clears the control's: none teaches this learner more than a reward without "
        "information. "
    )
    text += (
        f"Indistinguishable from the true reward (lift's interval contains 0): {', '.join(matching)}."
        if matching
        else "Every learnt reward's policy differs from the true reward's (no lift interval contains 0)."
    )
    return text


def score_figure(frame: pd.DataFrame):
    """Transfer score per reward (rows) and learner (bars), with intervals, the control's score dotted."""
    import matplotlib.pyplot as plt

    environments = list(dict.fromkeys(frame["environment"]))
    figure, axes = plt.subplots(1, len(environments), figsize=(7 * len(environments), 4), squeeze=False)
    for axis, environment in zip(axes[0], environments):
        rows = frame[frame["environment"] == environment]
        rewards = list(dict.fromkeys(rows["reward"]))
        learners = list(dict.fromkeys(rows["learner"]))
        width = 0.8 / len(learners)
        for k, learner in enumerate(learners):
            mine = rows[rows["learner"] == learner].set_index("reward").loc[rewards]
            x = np.arange(len(rewards)) + (k - (len(learners) - 1) / 2) * width
            errors = np.abs(np.vstack([mine["score_low"], mine["score_high"]]) - mine["transfer_score"].to_numpy())
            axis.bar(x, mine["transfer_score"], width, yerr=errors, capsize=3, label=mine["learner_label"].iloc[0])
            control = mine.loc[CONTROL, "transfer_score"]
            axis.hlines(control, -0.5, len(rewards) - 0.5, colors=f"C{k}", linestyles="dotted")
        axis.axhline(1.0, color="black", linewidth=0.8)
        axis.set_xticks(range(len(rewards)), rewards, rotation=25, ha="right")
        axis.set_ylabel("transfer score (return / true reward's return)")
        axis.set_title(f"{environment}: dotted, each learner's shuffled control", fontsize=10)
        axis.legend(fontsize=8)
    figure.tight_layout()
    return figure
