"""Variants of the study: the thesis's proposed remedies, each a named overlay of params.

A variant re-runs part of one environment's chain (experts -> K-windows -> reward
learning -> evaluation, or from the diffuser) with some settings changed, and leaves the
study's own outputs alone. It is declared here once, with the params subtrees it may
change; its values live in ``params.yaml`` under ``variants.NAME`` as a partial copy of the
params tree, merged over the study's settings the way a scale overlay is.

From the declared subtrees the DAG derives which stages a variant re-runs (those reading
a changed subtree, and those downstream of them on the way to the evaluation) and
re-declares them with ``--variant NAME`` and their outputs under ``data/variants/NAME/``
and ``reports/variants/NAME/``; every other input is the study's own. Adding a variant is
an entry below, its overlay in ``scales/``, and whatever new setting it turns on.
"""

from __future__ import annotations

from dataclasses import dataclass

from diffirl.methods import LOSSES, METHODS, Method


@dataclass(frozen=True)
class Variant:
    name: str
    environment: str
    #: the thesis's explanation of its failure the variant tests
    question: str
    #: dotted params subtrees the overlay may change (the DAG re-runs the stages reading them)
    changes: tuple[str, ...]
    #: the learnt rewards the variant trains and evaluates beside its base diffuser
    losses: tuple[str, ...] = LOSSES


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant(
            "physical_experts",
            "large",
            "The Large Maze's expert plans follow dynamics the simulator does not (section 4.1.2): "
            "do experts made of closed-loop rollouts towards the same goal let a learnt reward beat the base?",
            changes=("experts.large",),
        ),
        Variant(
            "step_conditioned_reward",
            "halfcheetah",
            "The reward network ignores the diffusion step, unlike the Diffuser's value guides (section 4.2): "
            "does a reward that sees the step learn, or diverge as the thesis found?",
            changes=("reward_learning.halfcheetah",),
            losses=("mse", "mmd_matern"),
        ),
        Variant(
            "long_horizon",
            "halfcheetah",
            "HalfCheetah plans only 4 steps with guidance scale 0.001 (section 4.2): does the Diffuser's own "
            "horizon 32 with a stronger guide let a learnt reward beat the base?",
            changes=(
                "diffusers.halfcheetah",
                "guidance.halfcheetah",
                "experts.halfcheetah",
                "kwindows.halfcheetah",
                "reward_learning.halfcheetah",
                "evaluation.halfcheetah",
            ),
            losses=("mse",),
        ),
    )
}


class UnknownVariantError(ValueError):
    """A variant name no entry of :data:`VARIANTS` declares."""


def get_variant(name: str) -> Variant:
    if name not in VARIANTS:
        raise UnknownVariantError(f"unknown variant {name!r}; choose one of {', '.join(VARIANTS)}")
    return VARIANTS[name]


def overlaps(key: str, subtree: str) -> bool:
    """Whether a params key and a subtree share settings (one contains the other)."""
    return within(key, subtree) or within(subtree, key)


def within(key: str, subtree: str) -> bool:
    return key == subtree or key.startswith(subtree + ".")


def leaf_keys(tree: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        keys += leaf_keys(value, dotted + ".") if isinstance(value, dict) and value else [dotted]
    return keys


def evaluated_methods(variant: Variant) -> tuple[Method, ...]:
    """What a variant's evaluation rolls out: its base diffuser and its learnt rewards (no true-reward guide)."""
    return (METHODS["base"], *(METHODS[loss] for loss in variant.losses))
