"""Method families with stages of their own, each with the target that builds them.

A family registers here once; the DAG (:mod:`diffirl.dag`) adds its stages and its target
(``snakemake TARGET``, ``dvc repro $(python -m diffirl.dag --list TARGET)``). A plugin
(:mod:`diffirl.plugins`) registers one with :func:`register_stage_family`. Of the study's
stages only the report reads this module (through the DAG it lists), so a new family re-runs
nothing else of the study.
"""

from __future__ import annotations

from dataclasses import dataclass

from diffirl.plugins import load_plugins


@dataclass(frozen=True)
class StageFamily:
    """A method family's own stages and the target that builds them with whatever of the study
    they read (``snakemake TARGET``, ``dvc repro $(python -m diffirl.dag --list TARGET)``).

    ``stages`` names, as ``module:function``, the function that declares them as a list of
    :class:`diffirl.dag.Stage`: it is imported when the DAG is built, so that module may import
    the DAG, which this registry must not."""

    target: str
    stages: str
    #: what the target builds, one line
    description: str


#: the method families with stages of their own, by target
STAGE_FAMILIES: dict[str, StageFamily] = {
    family.target: family
    for family in (
        StageFamily(
            "compare",
            "diffirl.methods.relative_reward.stages:comparison_stages",
            "Nuti et al.'s relative reward and discriminator beside the thesis's method",
        ),
        StageFamily(
            "transfer",
            "diffirl.transfer.stages:transfer_stages",
            "the learnt rewards handed to DiffCPS and TD3+BC, trained offline on the relabelled base data",
        ),
        StageFamily(
            "transfer_full",
            "diffirl.transfer.stages:full_transfer_stages",
            "reward transfer in the Large Maze too (the paper scale's)",
        ),
    )
}


def register_stage_family(family: StageFamily) -> StageFamily:
    """Add a family's stages and their target (from a plugin, :mod:`diffirl.plugins`)."""
    if family.target in STAGE_FAMILIES:
        raise ValueError(f"stage family {family.target!r} is registered already")
    module, _, function = family.stages.partition(":")
    if not module or not function:
        raise ValueError(f"stage family {family.target!r}: stages {family.stages!r} is not module:function")
    STAGE_FAMILIES[family.target] = family
    return family


load_plugins()
