"""Variants of the study, each a named overlay of params: the thesis's proposed remedies, and
the published code's conventions where the defaults correct them.

A variant re-runs part of one or more environments' chains (experts -> K-windows -> reward
learning -> evaluation, or from the diffuser; and the baselines' evaluation where it asks
for it) with some settings changed, and leaves the study's own outputs alone. It is
declared here once, with the params subtrees it may change; its values live in
``params.yaml`` under ``variants.NAME`` as a partial copy of the params tree, merged over
the study's settings the way a scale overlay is.

From the declared subtrees the DAG derives which stages a variant re-runs (those reading
a changed subtree, and those downstream of them on the way to its evaluations) and
re-declares them with ``--variant NAME`` and their outputs under ``data/variants/NAME/``
and ``reports/variants/NAME/``; every other input is the study's own. Adding a variant is
an entry below, its overlay in ``scales/``, and whatever new setting it turns on. Its
``group`` says which comparison reads it: ``reports/remedies.csv`` (``make remedies``),
``reports/conventions.csv`` (``make conventions``) or ``reports/recovery.csv`` (``make recovery``).
"""

from __future__ import annotations

from dataclasses import dataclass

from diffirl.methods import LOSSES, METHODS, Method
from diffirl.params.load import ParameterError, validate_params, within
from diffirl.params.schema import Params

#: the comparisons a variant can belong to, each a table and a make target of its own
GROUPS = ("remedies", "conventions", "recovery", "recovery_full")
#: the group of a variant no comparison table reads: one a stage family reads (reward transfer's
#: HalfCheetah per-step rewards); it has no target of its own, a family's target builds it
FAMILY_INPUT = "family_input"
#: what a variant can evaluate in each of its environments: the diffuser's methods, the baselines
EVALUATIONS = ("evaluate", "evaluate_baselines")


@dataclass(frozen=True)
class Variant:
    name: str
    environments: tuple[str, ...]
    #: what the variant asks: the thesis's explanation of a failure, or a convention's effect
    question: str
    #: dotted params subtrees the overlay may change (the DAG re-runs the stages reading them)
    changes: tuple[str, ...]
    #: the learnt rewards the variant trains and evaluates beside its base diffuser
    losses: tuple[str, ...] = LOSSES
    group: str = "remedies"
    #: the stages (of :data:`EVALUATIONS`) whose results the variant compares
    evaluations: tuple[str, ...] = ("evaluate",)
    #: whether its evaluation also rolls out true-reward guidance (a setting of the guide changes)
    true_guide: bool = False
    #: the variant it extends: it has that one's settings and reads its versions of the files its
    #: stages make, and adds learnt rewards of other losses (:func:`loss_extension`)
    extends: str | None = None

    @property
    def settings(self) -> str:
        """The variant whose overlay (``variants.NAME``) gives its settings."""
        return self.extends or self.name

    def __post_init__(self) -> None:
        if self.group not in (*GROUPS, FAMILY_INPUT):
            raise ValueError(
                f"variant {self.name!r}: group {self.group!r} is not one of {', '.join((*GROUPS, FAMILY_INPUT))}"
            )
        unknown = sorted(set(self.evaluations) - set(EVALUATIONS))
        if unknown:
            raise ValueError(f"variant {self.name!r}: evaluations {unknown} are not among {', '.join(EVALUATIONS)}")
        if not self.environments:
            raise ValueError(f"variant {self.name!r}: names no environment")


def remedy(name: str, environment: str, question: str, changes: tuple[str, ...], **fields) -> Variant:
    return Variant(name, (environment,), question, changes, **fields)


def convention(name: str, question: str, changes: tuple[str, ...], **fields) -> Variant:
    """One of the published code's conventions, switched on in the U-Maze alone."""
    return Variant(name, ("umaze",), question, changes, group="conventions", **fields)


#: the published code's conventions the defaults correct (README, Deviations 16-19 and 29), all at once
PUBLISHED_MAZES = ("umaze", "large")

#: the reward-recovery family, per maze: the members besides the study's 5i + 5j (each a true reward
#: of the maze, its weights the variant's ``true_reward.ENV`` overlay), which make their own experts
#: and learn a per-step reward from them (``reward_learning.ENV.structure``). Sized for the default
#: scale, ``make recovery`` runs the U-Maze's first five members with one loss; ``make recovery_full``
#: runs every member of both mazes with every loss (the paper scale's benchmark; docs/recovery.md)
RECOVERY_MEMBERS = {
    "umaze": {
        "corner_nw": "a linear reward pointing at the top-left corner, opposite the thesis's",
        "corner_ne": "a linear reward pointing at the top-right corner",
        "edge_s": "a linear reward pointing at the bottom edge's midpoint",
        "goal_1_3": "a goal reward, minus the distance to cell (1, 3)",
        "goal_3_1": "a goal reward, minus the distance to cell (3, 1), the U's far end",
        "corner_sw": "a linear reward pointing at the bottom-left corner",
        "edge_n": "a linear reward pointing at the top edge's midpoint",
        "edge_e": "a linear reward pointing at the right edge's midpoint",
        "edge_w": "a linear reward pointing at the left edge's midpoint, the U's open side",
        "goal_1_1": "a goal reward, minus the distance to cell (1, 1)",
        "goal_2_3": "a goal reward, minus the distance to cell (2, 3), the U's bend",
    },
    "large": {
        "corner_nw": "a linear reward pointing at the top-left corner, opposite the thesis's",
        "corner_ne": "a linear reward pointing at the top-right corner",
        "corner_sw": "a linear reward pointing at the bottom-left corner",
        "edge_n": "a linear reward pointing at the top edge's midpoint",
        "edge_s": "a linear reward pointing at the bottom edge's midpoint",
        "edge_e": "a linear reward pointing at the right edge's midpoint",
        "edge_w": "a linear reward pointing at the left edge's midpoint",
        "goal_3_3": "a goal reward, minus the distance to cell (3, 3)",
        "goal_1_9": "a goal reward, minus the distance to cell (1, 9)",
        "goal_5_8": "a goal reward, minus the distance to cell (5, 8)",
        "goal_7_4": "a goal reward, minus the distance to cell (7, 4)",
    },
}
#: the members ``make recovery`` runs at every scale (the default scale's 90 minutes: docs/recovery.md)
RECOVERY_CORE = {"umaze": ("corner_nw", "corner_ne", "edge_s", "goal_1_3", "goal_3_1")}
#: the loss each member learns with in ``make recovery``; ``make recovery_full`` adds the others
RECOVERY_LOSSES = ("mmd_gauss",)
#: the settings subtrees a member of each maze changes: its reward, its reward network, and in the
#: Large Maze its experts' goal (experts there are plans to a goal cell: the member's best cell)
RECOVERY_CHANGES = {
    "umaze": ("true_reward.umaze", "reward_learning.umaze"),
    "large": ("true_reward.large", "reward_learning.large", "experts.large"),
}
#: the suffix of a member's loss extension (:func:`loss_extension`)
OTHER_LOSSES = "_other_losses"


def recovery_variant_name(environment: str, member: str) -> str:
    return f"recovery_{member}" if environment == "umaze" else f"recovery_{environment}_{member}"


def recovery_member_name(variant: Variant) -> str:
    """The family member a recovery variant learns (``per_step``: the study's own reward, per step)."""
    name = (variant.extends or variant.name).removeprefix("recovery_")
    environment = variant.environments[0]
    return name.removeprefix(f"{environment}_") if environment != "umaze" else name


def recovery_member(environment: str, name: str, description: str, group: str) -> Variant:
    return Variant(
        recovery_variant_name(environment, name),
        (environment,),
        f"Does the method recover {description} from experts that follow it?",
        changes=RECOVERY_CHANGES[environment],
        losses=RECOVERY_LOSSES,
        group=group,
        true_guide=True,
    )


def per_step_member(environment: str, group: str) -> Variant:
    """The study's reward learnt per step, with every loss: the thesis's member with both structures."""
    return Variant(
        recovery_variant_name(environment, "per_step"),
        (environment,),
        "Does a reward that is a sum of per-step terms (which EPIC can compare per transition) recover the "
        "thesis's reward as the study's window network does?",
        changes=(f"reward_learning.{environment}",),
        group=group,
        true_guide=True,
    )


def halfcheetah_per_step() -> Variant:
    """The study's HalfCheetah rewards learnt per step with every loss: what reward transfer hands its
    learners in HalfCheetah (the window networks have no per-transition value; no reward family there)."""
    return Variant(
        "halfcheetah_per_step",
        ("halfcheetah",),
        "What does a reward that is a sum of per-step terms learn from HalfCheetah's experts, for a learner "
        "that needs a reward per transition?",
        changes=("reward_learning.halfcheetah",),
        group=FAMILY_INPUT,
        evaluations=(),  # reward transfer evaluates them
    )


def loss_extension(member: Variant) -> Variant:
    """The member's other losses, learnt from its experts: a variant that extends it (its settings, and
    the stages before reward learning, are the member's own; it adds learnt rewards and their evaluation)."""
    return Variant(
        member.name + OTHER_LOSSES,
        member.environments,
        member.question + " (its other losses)",
        changes=member.changes,
        losses=tuple(loss for loss in LOSSES if loss not in member.losses),
        group="recovery_full",
        true_guide=member.true_guide,
        extends=member.name,
    )


def recovery_family() -> list[Variant]:
    """The U-Maze's core (``make recovery``), then what ``make recovery_full`` adds: the U-Maze's other
    members, every member's other losses, and the Large Maze's family."""
    core = RECOVERY_CORE["umaze"]
    umaze = RECOVERY_MEMBERS["umaze"]
    family = [per_step_member("umaze", "recovery")]
    family += [recovery_member("umaze", name, umaze[name], "recovery") for name in core]
    family += [
        recovery_member("umaze", name, text, "recovery_full") for name, text in umaze.items() if name not in core
    ]
    family += [per_step_member("large", "recovery_full")]
    family += [
        recovery_member("large", name, text, "recovery_full") for name, text in RECOVERY_MEMBERS["large"].items()
    ]
    extensions = [loss_extension(member) for member in family if member.losses != LOSSES]
    return family + extensions


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        remedy(
            "physical_experts",
            "large",
            "The Large Maze's expert plans follow dynamics the simulator does not (section 4.1.2): "
            "do experts made of closed-loop rollouts towards the same goal let a learnt reward beat the base?",
            changes=("experts.large",),
        ),
        *(
            remedy(
                f"reward_training_length_{epochs}",
                "large",
                f"The default trains each Large-Maze loss for fewer epochs than the thesis's 500 (Appendix C.2), "
                f'so "no learnt reward beats the base" could hold by construction: does a learnt reward trained '
                f"{epochs} epochs beat it?",
                changes=("reward_learning.large",),
            )
            for epochs in (100, 500)
        ),
        *(
            remedy(
                f"reward_training_seed_{seed}",
                "large",
                "How far apart are two Large-Maze reward-learning runs at the study's length that differ only in "
                f"their seed (here {seed})? The yardstick for whether another length's rows differ from the "
                "study's by more than a seed does.",
                changes=("reward_learning.large",),
            )
            for seed in (1, 2)
        ),
        remedy(
            "step_conditioned_reward",
            "halfcheetah",
            "The reward network ignores the diffusion step, unlike the Diffuser's value guides (section 4.2): "
            "does a reward that sees the step learn, or diverge as the thesis found?",
            changes=("reward_learning.halfcheetah",),
            losses=("mse", "mmd_matern"),
        ),
        remedy(
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
        Variant(
            "published_conventions",
            PUBLISHED_MAZES,
            "All of the published code's conventions at once, in both mazes: the guide in normalised units, "
            "raw loss units, the unbiased Matern MMD, D4RL's raw frame and AIRL's ERC from its shaped reward.",
            changes=tuple(
                f"{section}.{maze}"
                for section in ("true_reward", "reward_learning", "evaluation")
                for maze in PUBLISHED_MAZES
            ),
            group="conventions",
            evaluations=EVALUATIONS,
            true_guide=True,
        ),
        convention(
            "published_guide_units",
            "The published code applied the true-reward guide to normalised plans, a weaker push at the same "
            "scale (Deviation 17): how much does it move the experts, the true-reward row and what is learnt?",
            changes=("true_reward.umaze",),
            true_guide=True,
        ),
        convention(
            "published_loss_units",
            "The published U-Maze scripts compared plans and experts in raw units, where velocity outweighs "
            "position (Deviation 18): how much does it move the learnt rewards?",
            changes=("reward_learning.umaze",),
        ),
        convention(
            "published_matern_estimator",
            "The published code used the unbiased Matern MMD, which can go negative (Deviation 19): how much "
            "does it move MMD-Matern's reward?",
            changes=("reward_learning.umaze",),
            losses=("mmd_matern",),
        ),
        convention(
            "published_frame",
            "The published code scored D4RL's raw positions, 0.2 cells short of our frame: a constant -2 per "
            "step (Deviation 16). It moves every return by the same amount; does it move anything else?",
            changes=("true_reward.umaze",),
            true_guide=True,
        ),
        *recovery_family(),
        halfcheetah_per_step(),
        convention(
            "published_shaped_erc",
            "The published code scored AIRL's ERC on its shaped reward (reward plus potential shaping), ours on "
            "the unshaped reward it recovers (Deviation 29): how much does AIRL's ERC move?",
            changes=("evaluation.umaze",),
            losses=(),
            evaluations=("evaluate_baselines",),
        ),
    )
}


def check_extensions(variants: dict[str, Variant]) -> None:
    """A variant that extends another has its environments and settings, and adds losses it lacks."""
    for variant in variants.values():
        if variant.extends is None:
            continue
        parent = variants.get(variant.extends)
        if parent is None or parent.extends is not None:
            raise ValueError(
                f"variant {variant.name!r} extends {variant.extends!r}, which is no declared plain variant"
            )
        if (variant.environments, variant.changes) != (parent.environments, parent.changes):
            raise ValueError(f"variant {variant.name!r}: its environments and changes must be {parent.name!r}'s")
        if set(variant.losses) & set(parent.losses) or not variant.losses:
            raise ValueError(f"variant {variant.name!r}: it must add losses that {parent.name!r} does not learn")


check_extensions(VARIANTS)


def in_group(group: str) -> list[Variant]:
    return [variant for variant in VARIANTS.values() if variant.group == group]


#: the leaderboards: ``make recovery`` (the core, sized for the default scale) and ``make recovery_full``
#: (every member of both mazes with every loss), each reading the family members of its groups
RECOVERY_EXTENTS = {"core": ("recovery",), "full": ("recovery", "recovery_full")}


def recovery_members(extent: str) -> list[Variant]:
    """The family's variants a leaderboard reads (``extent``: one of :data:`RECOVERY_EXTENTS`)."""
    return [variant for group in RECOVERY_EXTENTS[extent] for variant in in_group(group)]


class UnknownVariantError(ValueError):
    """A variant name no entry of :data:`VARIANTS` declares."""


def get_variant(name: str) -> Variant:
    if name not in VARIANTS:
        raise UnknownVariantError(f"unknown variant {name!r}; choose one of {', '.join(VARIANTS)}")
    return VARIANTS[name]


def overlaps(key: str, subtree: str) -> bool:
    """Whether a params key and a subtree share settings (one contains the other)."""
    return within(key, subtree) or within(subtree, key)


def variant_params(raw: dict, name: str, source: str = "params") -> Params:
    """The validated settings of variant ``name``: its overlay (that of the variant it extends, if it
    extends one) merged over the study's ``raw``."""
    try:
        variant = get_variant(name)
    except UnknownVariantError as error:
        raise ParameterError(f"{source}: {error}") from None
    return validate_params(raw, source, variant.settings, variant.changes)


def validate_variants(raw: dict, source: str = "params") -> None:
    """Every variant's overlay in ``raw`` is a declared variant's and gives valid settings (a variant
    that extends another has no overlay of its own)."""
    for name in raw.get("variants") or {}:
        if name in VARIANTS and VARIANTS[name].extends is not None:
            raise ParameterError(
                f"{source}: variants.{name}: it extends {VARIANTS[name].extends!r} and has its settings"
            )
        variant_params(raw, name, source)


def evaluated_methods(variant: Variant, has_true_reward_guide: bool) -> tuple[Method, ...]:
    """What a variant's evaluation rolls out: its base diffuser, true-reward guidance where it
    asks for it (where the environment has one), and its learnt rewards."""
    true_guide = (METHODS["true"],) if variant.true_guide and has_true_reward_guide else ()
    return (METHODS["base"], *true_guide, *(METHODS[loss] for loss in variant.losses))
