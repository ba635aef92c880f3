"""The settings a scale cuts for time, named beside every claim whose numbers they move.

The paper scale holds the thesis's settings. At a smaller scale some of them are cut so
that the study fits its machine (docs/budget.md); a claim decided on a run with such a
cut may not be the claim the thesis's settings would decide. ``cuts_for`` lists, for the
methods a claim compares, every cut setting that trains or scores them, with our value
and the thesis's, so that ``reports/claims.csv`` says which verdicts stand on a cut.
"""

from __future__ import annotations

from dataclasses import dataclass

from diffirl.methods import LOSSES, METHODS


@dataclass(frozen=True)
class BudgetCut:
    #: dotted params key; ``ENV`` stands for the environment, ``LOSS`` for a learnt reward's loss
    key: str
    #: the methods whose rows the setting moves: a list, or "diffuser" for every diffuser method
    methods: tuple[str, ...] | str


#: what the default scale cuts for time (docs/budget.md) and which rows each one moves
BUDGET_CUTS = (
    BudgetCut("diffusers.ENV.n_train_steps", "diffuser"),
    BudgetCut("experts.ENV.n_windows", LOSSES),
    BudgetCut("experts.ENV.length", LOSSES),
    BudgetCut("reward_learning.ENV.losses.LOSS.epochs", LOSSES),
    BudgetCut("baselines.ENV.bc.epochs", ("bc",)),
    BudgetCut("baselines.ENV.gail.total_timesteps", ("gail",)),
    BudgetCut("baselines.ENV.airl.total_timesteps", ("airl",)),
    BudgetCut("evaluation.ENV.rollouts_per_start", tuple(METHODS)),
)


def _lookup(settings: dict, dotted: str):
    node = settings
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _moved_methods(cut: BudgetCut, loss: str | None) -> set[str]:
    if cut.methods == "diffuser":
        return {name for name, method in METHODS.items() if method.family == "diffuser"}
    return {loss} if loss is not None else set(cut.methods)


def cuts_for(environment: str, methods: tuple[str, ...], ours: dict, thesis: dict) -> list[str]:
    """'KEY OURS (thesis THESIS)' for every cut setting of ``environment`` that moves one of
    ``methods``; ``ours`` and ``thesis``: the run's params tree and the paper scale's."""
    named = []
    for cut in BUDGET_CUTS:
        for loss in LOSSES if "LOSS" in cut.key else (None,):
            key = cut.key.replace("ENV", environment).replace("LOSS", loss or "")
            if not _moved_methods(cut, loss) & set(methods):
                continue
            value, reference = _lookup(ours, key), _lookup(thesis, key)
            if value is not None and reference is not None and value != reference:
                named.append(f"{key} {value} (thesis {reference})")
    return named


#: the params sections a cut may sit in (the claims stage reads them whole)
CUT_SECTIONS = tuple(dict.fromkeys(cut.key.split(".")[0] for cut in BUDGET_CUTS))
