"""``reports/comparison.html``: Nuti et al.'s relative reward (and the discriminator they compare it
with) beside the thesis's method, one section per environment, and their maze check."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from diffirl.envs.registry import ENVIRONMENTS
from diffirl.methods.relative_reward import COMPARED
from diffirl.reports.nuti import PUBLISHED_D4RL_SCORES
from diffirl.reports.readable import interval, number
from diffirl.reports.report import Report, Section

TITLE = "Two diffusion-IRL families side by side"
INTRO = (
    "The thesis learns a reward by backpropagating a trajectory loss through the base diffuser's guided chain. "
    "Nuti et al. fit a reward's input gradient to the difference between an expert diffuser and the base "
    "(the relative reward), and compare it with a discriminator of expert against base plans. Every diffuser "
    "method starts from the same states with the same chain noise and simulator seeds as the study's evaluation, "
    "so its lift over the base diffuser is paired, with a 95% interval; the compared methods' guidance scale and "
    "stopping step were chosen on rollouts of other seeds. ERC: the correlation of each reward's window returns "
    "with the true ones, on the study's windows."
)


def with_standard_error(means: pd.Series, errors: pd.Series) -> list[str]:
    return ["" if pd.isna(m) else f"{number(m)} ± {number(e)}" for m, e in zip(means, errors, strict=True)]


def comparison_table(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    rows = rows[~rows["method"].str.endswith("_best")]
    table = pd.DataFrame(
        {
            "Method": rows["label"],
            "Mean ± std": [
                f"{number(m)} ± {number(s)}" for m, s in zip(rows[f"{column}_mean"], rows[f"{column}_std"], strict=True)
            ],
            "Lift over the base [95% CI]": [
                interval(m, lo, hi)
                for m, lo, hi in zip(rows["vs_base_mean"], rows["vs_base_low"], rows["vs_base_high"], strict=True)
            ],
            "ERC": rows["erc"].map(number),
        }
    )
    if "d4rl_score_mean" in rows:
        table["D4RL score ± s.e."] = with_standard_error(rows["d4rl_score_mean"], rows["d4rl_score_se"])
        table["Nuti et al.'s"] = with_standard_error(rows["nuti_d4rl_score_mean"], rows["nuti_d4rl_score_se"])
    return table


def comparison_finding(name: str, rows: pd.DataFrame, steering: dict[str, dict]) -> str:
    indexed = rows.set_index("method")
    parts = []
    for method in COMPARED:
        row, chosen = indexed.loc[method], steering[method]
        above = row["vs_base_low"] > 0
        below = row["vs_base_high"] < 0
        verdict = "above the base" if above else "below the base" if below else "not distinguishable from the base"
        parts.append(
            f"{row['label']} (scale {chosen['scale']:g}, t_stopgrad {chosen['t_stopgrad']}): "
            f"{interval(row['vs_base_mean'], row['vs_base_low'], row['vs_base_high'])}, {verdict}"
        )
    learnt = indexed[indexed.index.str.startswith(("mse", "mmd"))]
    beating = [label for label, low in zip(learnt["label"], learnt["vs_base_low"], strict=True) if low > 0]
    parts.append(f"the thesis's losses above the base: {', '.join(beating) if beating else 'none'}")
    return f"{name}: " + "; ".join(parts) + "."


def recovery_table(recovery: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Method": recovery["label"],
            "Best resting cell": recovery["best_cell"],
            "True reward's": recovery["true_best_cell"],
            "Within one cell": recovery["recovered"].map({True: "yes", False: "no"}),
        }
    )


#: how the HalfCheetah table's D4RL columns are computed, and what differs from Nuti et al.'s setting
def d4rl_note(environment: str, name: str) -> str:
    """How an environment's D4RL scores are computed, and, where Nuti et al. publish theirs, what
    differs between their setting and ours."""
    spec = ENVIRONMENTS[environment]
    random, expert = spec.d4rl_reference_returns
    note = (
        "D4RL score: 100 x (undiscounted return - D4RL's random-policy return) / (its expert-policy return - "
        f"the random one), with D4RL's {name} references ({random:,.2f} and {expert:,.1f}), mean ± standard "
        "error over rollouts."
    )
    if environment not in PUBLISHED_D4RL_SCORES:
        return note
    return note + (
        " Nuti et al.'s (their Table 1, the same score over 5 seeds x 512 rollouts): their base diffuser "
        "trained on D4RL's medium-replay data and their expert diffuser on its expert data, from scratch, with "
        f"the steering the paper reports. Ours: the study's base diffuser, trained on our own generated {name} "
        f"data (D4RL cannot be downloaded here), the expert diffuser trained on the study's expert windows "
        f"(from scratch or from the base's weights: relative_reward.{environment}.expert_diffuser.init), and "
        f"gymnasium's {spec.gym_id}; compare the direction and the intervals, not the levels."
    )


def comparison_report(
    tables: dict[str, pd.DataFrame],
    columns: dict[str, str],
    steering: dict[str, dict[str, dict]],
    recoveries: dict[str, pd.DataFrame],
    names: dict[str, str],
    csv_of,
    recovery_csv_of,
    maps_of,
) -> Report:
    sections = []
    for environment, rows in tables.items():
        finding = comparison_finding(names[environment], rows, steering[environment])
        note = d4rl_note(environment, names[environment]) if "d4rl_score_mean" in rows else ""
        sections.append(
            Section(
                f"comparison_{environment}",
                f"{names[environment]}: every method",
                finding,
                comparison_table(rows, columns[environment]),
                note=note,
                csv=Path(csv_of(environment)),
            )
        )
        if environment in recoveries:
            recovery = recoveries[environment]
            recovered = ", ".join(recovery.loc[recovery["recovered"], "label"]) or "none"
            sections.append(
                Section(
                    f"goal_recovery_{environment}",
                    f"{names[environment]}: goal recovery",
                    f"Rewards whose best resting cell lies within one cell of the true reward's: {recovered}.",
                    recovery_table(recovery),
                    csv=Path(recovery_csv_of(environment)),
                    figures=[Path(maps_of(environment))],
                )
            )
    summary = [section.finding for section in sections]
    return Report(summary, sections, title=TITLE, intro=INTRO, further_targets=())
