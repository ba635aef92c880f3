"""``reports/recovery.csv``: which rewards does each method recover? The leaderboard of the
reward-recovery benchmark (``make recovery``), its figure and its page.

One row per method and family member, where a member is a true reward the experts followed
(the study's own 5i + 5j, or a variant of group ``recovery``) and a method is a learnt reward,
a baseline's recovered reward (AIRL's, steering the same base diffuser), or a control (a known
transformation of the true reward, which checks the metrics). Metrics:

- recovery ratio: the method's lift over the base diffuser as a fraction of the true reward's
  own lift, both paired per rollout, with a paired percentile-bootstrap interval (1: as good as
  the true reward; 0: no better than no guide);
- ERC: the Pearson distance of window returns (0: perfectly correlated, 1: anti-correlated),
  with an interval from the Fisher-z interval of the correlation over its windows;
- EPIC: the Pearson distance of canonically shaped per-transition rewards on two coverage
  distributions (only where the method has a per-transition reward: per-step networks, controls);
- gradient cosine: the cosine of the method's and the true reward's gradients with respect to
  the plan along the base diffuser's chains, averaged per chain, with a t-interval over chains.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from diffirl.reports.results import paired_difference

#: the member the study itself learns (``true_reward.ENV``, the thesis's reward)
STUDY_MEMBER = "thesis"
#: the coverage distributions EPIC is reported on (diffirl/rewards/controls.py)
EPIC_COVERAGES = ("dataset", "uniform")


def recovery_ratio(
    method: np.ndarray, true: np.ndarray, base: np.ndarray, confidence: float, resamples: int, seed: int
) -> tuple[float, float, float]:
    """mean(method - base) / mean(true - base), per-rollout statistics paired by index, with a
    percentile interval from resampling the rollouts (the same ones for numerator and denominator)."""
    lift, true_lift = np.asarray(method) - np.asarray(base), np.asarray(true) - np.asarray(base)
    ratio = lambda a, b, axis=-1: np.mean(a, axis=axis) / np.mean(b, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.bootstrap(
            (lift, true_lift),
            ratio,
            paired=True,
            vectorized=True,
            n_resamples=resamples,
            confidence_level=confidence,
            method="percentile",
            random_state=np.random.default_rng(seed),
        )
        return (
            float(ratio(lift, true_lift)),
            float(result.confidence_interval.low),
            float(result.confidence_interval.high),
        )


def distance_interval(distance: float, n: int, confidence: float) -> tuple[float, float]:
    """An interval of a Pearson distance sqrt((1 - rho) / 2) over ``n`` pairs (ERC's, EPIC's), from
    the Fisher-z interval of its correlation rho."""
    if distance is None or not math.isfinite(distance) or n <= 3:
        return float("nan"), float("nan")
    rho = 1.0 - 2.0 * distance**2
    z, half = np.arctanh(np.clip(rho, -0.999999, 0.999999)), stats.norm.ppf(0.5 + confidence / 2) / math.sqrt(n - 3)
    to_distance = lambda r: float(np.sqrt(max(0.0, 1.0 - r) / 2.0))
    return to_distance(np.tanh(z + half)), to_distance(np.tanh(z - half))


def cosine_interval(per_chain: np.ndarray, confidence: float) -> tuple[float, float, float]:
    values = np.asarray(per_chain, dtype=np.float64)
    return paired_difference(values, np.zeros_like(values), confidence)


def leaderboard_row(
    member: str,
    reward: str,
    method: str,
    kind: str,
    rollouts: dict,
    statistic: str,
    erc: float | None,
    erc_windows: int,
    cosines: np.ndarray,
    epic: dict[str, float] | None,
    confidence: float,
    resamples: int,
    seed: int,
) -> dict:
    """One method against one member: ``rollouts`` holds the per-rollout statistics of ``base``,
    ``true`` and ``method`` under the member's reward."""
    values, base, true = (np.asarray(rollouts[name][statistic]) for name in (method, "base", "true"))
    lift = paired_difference(values, base, confidence)
    true_lift = paired_difference(true, base, confidence)
    ratio = recovery_ratio(values, true, base, confidence, resamples, seed)
    erc_low, erc_high = distance_interval(erc, erc_windows, confidence)
    cosine = cosine_interval(cosines, confidence)
    return {
        "member": member,
        "reward": reward,
        "method": method,
        "kind": kind,
        "statistic": statistic.removesuffix("s"),
        "lift_mean": lift[0],
        "lift_low": lift[1],
        "lift_high": lift[2],
        "true_lift_mean": true_lift[0],
        "true_lift_low": true_lift[1],
        "true_lift_high": true_lift[2],
        "recovery_ratio": ratio[0],
        "recovery_low": ratio[1],
        "recovery_high": ratio[2],
        "erc": float("nan") if erc is None else erc,
        "erc_low": erc_low,
        "erc_high": erc_high,
        **{f"epic_{c}": (epic or {}).get(c, float("nan")) for c in EPIC_COVERAGES},
        "gradient_cosine": cosine[0],
        "cosine_low": cosine[1],
        "cosine_high": cosine[2],
        "rollouts": len(values),
        "chains": len(cosines),
    }


# --- the page --------------------------------------------------------------------------------
def ratio_figure(frame: pd.DataFrame):
    """Methods (rows) by family members (columns), each cell coloured and labelled by its recovery ratio;
    one panel per environment (``frame["environment"]``, where the frame has one)."""
    import matplotlib.pyplot as plt

    panels = [(None, frame)] if "environment" not in frame else list(frame.groupby("environment", sort=False))
    shapes = [(frame["method"].nunique(), frame["member"].nunique()) for _, frame in panels]
    figure, axes = plt.subplots(
        1,
        len(panels),
        figsize=(
            sum(0.9 * members + 2.2 for _, members in shapes) + 1,
            max(0.45 * methods + 1.8 for methods, _ in shapes),
        ),
        squeeze=False,
        layout="constrained",
    )
    undefined_anywhere = False
    for ax, (environment, rows) in zip(axes[0], panels):
        image, undefined = ratio_panel(ax, rows)
        undefined_anywhere |= undefined
        if environment is not None:
            ax.set_title(environment, fontsize=10)
    figure.suptitle(
        "Recovery ratio: lift over the base diffuser / the true reward's lift"
        + (
            "\n(*: the true reward itself does not lift the base; the ratio measures nothing)"
            if undefined_anywhere
            else ""
        ),
        fontsize=10,
    )
    figure.colorbar(image, ax=list(axes[0]), label="recovery ratio (clipped to ±1.5)")
    return figure


def ratio_panel(axes, frame: pd.DataFrame):
    """One environment's grid of recovery ratios; returns the image and whether a cell's ratio is undefined."""
    members = list(dict.fromkeys(frame["member"]))
    methods = list(dict.fromkeys(frame["method"]))
    grid = np.full((len(methods), len(members)), np.nan)
    undefined = np.zeros_like(grid, dtype=bool)
    for _, row in frame.iterrows():
        cell = methods.index(row["method"]), members.index(row["member"])
        grid[cell], undefined[cell] = row["recovery_ratio"], not true_reward_lifts(row)
    image = axes.imshow(np.clip(grid, -1.5, 1.5), cmap="RdBu", vmin=-1.5, vmax=1.5, aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        text = "not run" if np.isnan(value) else f"{value:+.2f}" + ("*" if undefined[i, j] else "")
        colour = "grey" if np.isnan(value) else "white" if abs(value) > 1 else "black"
        axes.text(j, i, text, ha="center", va="center", fontsize=8, color=colour)
    axes.set_xticks(range(len(members)), members, rotation=30, ha="right")
    axes.set_yticks(range(len(methods)), methods)
    return image, bool(undefined.any())


def true_reward_lifts(row) -> bool:
    """Whether the member's true reward itself steers the base diffuser up (its lift's interval above 0):
    only then does a recovery ratio say how much of that a method reproduces."""
    return bool(row["true_lift_low"] > 0)


def _recovers(row) -> bool:
    return true_reward_lifts(row) and bool(row["recovery_low"] > 0)


def learnt_finding(rows: pd.DataFrame) -> str:
    """Which learnt rewards recover their member, in words."""
    parts = []
    for method, by_method in rows.groupby("method", sort=False):
        recovered = [r["member"] for _, r in by_method.iterrows() if _recovers(r)]
        share = f"{len(recovered)} of {len(by_method)}" if recovered else f"none of {len(by_method)}"
        parts.append(
            f"{method} recovers {share} rewards it learnt from"
            + (f" (recovery ratio's interval above 0: {', '.join(recovered)})" if recovered else "")
        )
    undefined = sorted({row["member"] for _, row in rows.iterrows() if not true_reward_lifts(row)})
    note = (
        f" Where the true reward itself does not lift the base diffuser ({', '.join(undefined)}: its guide is no "
        "better a planner than none), the ratio measures nothing and no method counts as recovering it."
        if undefined
        else ""
    )
    return "; ".join(parts) + "." + note


def steering_by(row) -> str:
    """A reward that is not a learnt network of the family, steering the base diffuser, in words."""
    if row["kind"] == "compared":
        return f"Nuti et al.'s {row['method']} reward, steering the base diffuser as make compare chose,"
    return f"{row['method']}'s recovered reward, steering the base diffuser,"


def baselines_finding(rows: pd.DataFrame) -> str:
    """How the baselines' recovered rewards and the compared method's reward score, in words."""
    return " ".join(
        f"{steering_by(row)} gives a recovery ratio of "
        f"{row['recovery_ratio']:+.2f} [{row['recovery_low']:+.2f}, {row['recovery_high']:+.2f}], EPIC "
        f"{row['epic_dataset']:.3f} / {row['epic_uniform']:.3f} and a gradient cosine of {row['gradient_cosine']:+.3f}."
        for _, row in rows.iterrows()
    )


def controls_finding(rows: pd.DataFrame) -> str:
    """Whether each control behaves as the theory says, in words."""
    expected = {"rescaled": (0.0, 1.0), "shaped": (0.0, None), "sign_flipped": (1.0, -1.0)}
    parts = []
    for _, row in rows.iterrows():
        epic_target, cosine_target = expected.get(row["method"], (None, None))
        epics = [row[f"epic_{c}"] for c in EPIC_COVERAGES]
        epic_ok = epic_target is not None and all(abs(e - epic_target) < 1e-6 for e in epics)
        text = f"{row['method']}: EPIC {', '.join(f'{e:.3g}' for e in epics)} (theory {epic_target:g}"
        text += ", as predicted)" if epic_ok else ", NOT as predicted)"
        text += f", gradient cosine {row['gradient_cosine']:+.3f}"
        if cosine_target is not None:
            text += f" (theory {cosine_target:+g})"
        text += f", ERC {row['erc']:.3f}, recovery ratio {row['recovery_ratio']:+.2f}"
        parts.append(text)
    return (
        "; ".join(parts)
        + ". EPIC, ERC and the cosine are blind to positive rescaling, EPIC alone to shaping as well; the shaped "
        "reward steers differently (its cosine and ratio), which EPIC by design does not see."
    )
