"""Tables 1, 2, 4 and 5: every method's results in one environment, the thesis's numbers beside ours.

One function builds all four from the evaluation metrics. Rows follow the method registry
(``diffirl.methods``), so a method the thesis lacks still gets a row, with empty
``thesis_*`` cells. Every method starts from the same states with the same seeds, so each
row also gives its mean *paired* difference to the base diffuser (and, where it exists, to
true-reward guidance) with a t-interval: whether a difference is real, not only its size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from diffirl.envs.registry import ENVIRONMENTS
from diffirl.methods import METHODS, methods_for
from diffirl.reports import nuti, thesis


@dataclass(frozen=True)
class ResultsTable:
    #: the thesis's table number; ``None`` for an environment the thesis has no table of
    number: int | None
    environment: str
    #: the per-rollout statistic of the evaluation metrics the table reports
    statistic: str
    with_erc: bool
    #: the methods compared beside the study's as well (``make compare``)
    comparison: bool = False

    @property
    def name(self) -> str:
        """The stem of the table's files: ``table1``, or ``results_ENV`` where the thesis has no number."""
        if self.comparison:
            return f"comparison_{self.environment}"
        return f"table{self.number}" if self.number is not None else f"results_{self.environment}"

    @property
    def column(self) -> str:
        """The statistic's column stem: ``return``, ``discounted_return`` or ``action_norm``."""
        return self.statistic.removesuffix("s")

    def describe(self, metrics: dict) -> str:
        """The table's conventions, in words, from the metrics it was built from."""
        entry = next(iter(metrics.values()))
        what = {
            "returns": "undiscounted return",
            "discounted_returns": f"discounted return (gamma {entry['gamma']})",
            "action_norms": "per-rollout mean of the per-step action L2 norm",
        }[self.statistic]
        scored = (
            ""
            if self.statistic == "action_norms"
            else f", {entry.get('reward', 'the true reward')}, each step scored by the state its action is taken in "
            f"(the final state unscored)"
        )
        return (
            f"{what} of {entry['rollouts']} closed-loop rollouts of {entry['steps']} steps{scored}; "
            f"std over rollouts with ddof 0; vs_*: mean paired difference to that method, with a t-interval"
        )


RESULTS_TABLES: dict[int, ResultsTable] = {
    t.number: t
    for t in (
        ResultsTable(1, "umaze", "returns", with_erc=True),
        ResultsTable(2, "large", "returns", with_erc=True),
        ResultsTable(4, "halfcheetah", "discounted_returns", with_erc=True),
        ResultsTable(5, "halfcheetah", "action_norms", with_erc=False),
    )
}


def comparison_table(environment: str) -> ResultsTable:
    """Every method, the compared ones beside the study's, on the statistic of the environment's thesis table."""
    own = [t for t in RESULTS_TABLES.values() if t.environment == environment and t.with_erc]
    if not own:
        return ResultsTable(None, environment, "returns", with_erc=True, comparison=True)
    return ResultsTable(own[0].number, environment, own[0].statistic, with_erc=True, comparison=True)


#: a returns table, with ERC, for every registered environment the thesis has no table of
ENVIRONMENT_TABLES: dict[str, ResultsTable] = {
    name: ResultsTable(None, name, "returns", with_erc=True)
    for name in ENVIRONMENTS
    if name not in {t.environment for t in RESULTS_TABLES.values()}
}


def paired_difference(values: np.ndarray, reference: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Mean of values - reference over paired rollouts, with a t-interval of the given coverage."""
    difference = np.asarray(values, dtype=np.float64) - np.asarray(reference, dtype=np.float64)
    mean = float(difference.mean())
    if len(difference) < 2:
        return mean, float("nan"), float("nan")
    half_width = (
        stats.t.ppf(0.5 + confidence / 2, len(difference) - 1) * difference.std(ddof=1) / np.sqrt(len(difference))
    )
    return mean, mean - float(half_width), mean + float(half_width)


def table_rows(metrics: dict, has_true_guide: bool, comparison: bool = False) -> list[tuple[str, str]]:
    """(method name, metrics key) in the registry's order; a learnt reward's best checkpoint follows its last."""
    rows = []
    for method in methods_for(has_true_guide, comparison):
        rows.append((method.name, method.name))
        if f"{method.name}_best" in metrics:
            rows.append((method.name, f"{method.name}_best"))
    return rows


def build_results_table(table: ResultsTable, metrics: dict, confidence: float = 0.95) -> pd.DataFrame:
    """``metrics``: the environment's evaluation and baseline metrics, merged (keyed as they are written)."""
    spec = ENVIRONMENTS[table.environment]
    published = thesis.RESULTS.get(table.number, {})
    references = [name for name in ("base", "true") if name in metrics]
    description = table.describe(metrics) if metrics else ""
    rows = []
    for method, key in table_rows(metrics, spec.has_true_reward_guide, table.comparison):
        entry = metrics.get(key)
        values = np.asarray(entry[table.statistic]) if entry else None
        row = {
            "method": key,
            "label": entry["label"] if entry else METHODS[method].label,
            "checkpoint": entry.get("checkpoint", "") if entry else "",
            f"{table.column}_mean": values.mean() if entry else None,
            f"{table.column}_std": values.std() if entry else None,
            "rollouts": len(values) if entry else None,
        }
        if table.with_erc:
            row["erc"] = entry.get("erc") if entry else None
        for reference in references:
            compared = entry and key != reference
            diff = (
                paired_difference(values, metrics[reference][table.statistic], confidence) if compared else (None,) * 3
            )
            row |= {f"vs_{reference}_mean": diff[0], f"vs_{reference}_low": diff[1], f"vs_{reference}_high": diff[2]}
        quoted = published.get(method, {})
        row[f"thesis_{table.column}_mean"] = quoted["value"][0] if quoted else None
        row[f"thesis_{table.column}_std"] = quoted["value"][1] if quoted else None
        if table.with_erc:
            row["thesis_erc"] = quoted.get("erc") if quoted else None
        if table.comparison and spec.d4rl_reference_returns is not None:
            published_scores = nuti.PUBLISHED_D4RL_SCORES.get(table.environment, {})
            row |= d4rl_score_columns(spec.d4rl_reference_returns, entry, published_scores.get(key))
        row["statistic"] = description
        rows.append(row)
    return pd.DataFrame(rows)


def d4rl_score(returns: np.ndarray, reference_returns: tuple[float, float]) -> np.ndarray:
    """D4RL's normalised score: 0 for its random policy's return, 100 for its expert's."""
    random, expert = reference_returns
    return 100 * (np.asarray(returns, dtype=np.float64) - random) / (expert - random)


def d4rl_score_summary(returns, reference_returns: tuple[float, float]) -> tuple[float, float | None]:
    """The mean D4RL-normalised score of ``returns`` and its standard error (None from one return)."""
    scores = d4rl_score(returns, reference_returns)
    se = float(scores.std(ddof=1) / np.sqrt(len(scores))) if len(scores) > 1 else None
    return float(scores.mean()), se


def d4rl_score_columns(
    reference_returns: tuple[float, float], entry: dict | None, quoted: tuple[float, float] | None
) -> dict:
    """A row's D4RL-normalised undiscounted return (mean and standard error, as Nuti et al. report
    theirs) beside their published (mean, standard error) for the same method, where they have one."""
    mean, se = d4rl_score_summary(entry["returns"], reference_returns) if entry else (None, None)
    return {
        "d4rl_score_mean": mean,
        "d4rl_score_se": se,
        "nuti_d4rl_score_mean": quoted[0] if quoted else None,
        "nuti_d4rl_score_se": quoted[1] if quoted else None,
    }
