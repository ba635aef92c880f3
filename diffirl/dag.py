"""The pipeline's DAG, declared once.

``dvc.yaml`` is rendered from :func:`pipeline_stages` (``python -m diffirl.dag``, run by
``make dvc.yaml``) and ``workflow/Snakefile`` builds one rule per stage from the same
list, so both front ends run the same commands on the same files. A test re-renders
``dvc.yaml`` and compares DVC's parsed stage graph with Snakemake's rule graph.

Dependencies include the code a stage runs (:mod:`diffirl.stage_code`: the project files its
script imports), so editing, say, the maze controller re-runs the maze dataset stages and
everything downstream of them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from diffirl import paths
from diffirl.envs.registry import ENVIRONMENTS, environments_with
from diffirl.figures import DYNAMICS_ERROR_FIGURES
from diffirl.methods import METHODS, baselines_with_rewards
from diffirl.reports.budget_cuts import CUT_SECTIONS
from diffirl.reports.results import ENVIRONMENT_TABLES, RESULTS_TABLES
from diffirl.stage_code import stage_code
from diffirl.stage_families import STAGE_FAMILIES, StageFamily
from diffirl.variants import (
    GROUPS,
    RECOVERY_EXTENTS,
    VARIANTS,
    Variant,
    evaluated_methods,
    get_variant,
    in_group,
    overlaps,
    recovery_members,
)

#: rendered into the working directory (the project's root), wherever the package is installed
DVC_YAML = Path("dvc.yaml")


@dataclass(frozen=True)
class Stage:
    name: str
    cmd: str
    deps: tuple[str, ...]
    outs: tuple[str, ...]
    #: dotted keys of params.yaml whose whole subtree the stage reads
    params: tuple[str, ...]
    #: small JSON outputs DVC shows with `dvc metrics show`: the tables' headline numbers
    #: (``diffirl.reports.summary``); a stage's own records are plain outputs
    metrics: tuple[str, ...] = ()
    #: CSV outputs DVC draws with `dvc plots show`, as (path, x column, y column)
    plots: tuple[tuple[str, str, str], ...] = ()
    #: dotted key of params.yaml holding the torch thread count the stage runs on (None: one);
    #: Snakemake reserves that many of its cores for the job
    threads_param: str | None = None
    #: the stage benefits from a GPU (a SLURM job asks for one; locally, device: auto)
    gpu: bool = False

    @property
    def all_outputs(self) -> tuple[str, ...]:
        return self.outs + self.metrics + tuple(path for path, _, _ in self.plots)

    def threads(self, params: dict) -> int:
        return int(params_subtree(params, self.threads_param)) if self.threads_param else 1

    @property
    def resources(self) -> dict[str, int]:
        return {"gpu": 1} if self.gpu else {}


def device_params(environment: str) -> tuple[str, ...]:
    """Where and on how many threads the stage runs the environment's diffuser."""
    return (f"diffusers.{environment}.device", f"diffusers.{environment}.torch_threads")


def training_rows_params(environment: str) -> tuple[str, ...]:
    """The settings that say which rows of the base split the base diffuser trained on (ERC avoids them)."""
    return (f"diffusers.{environment}.max_episodes", f"diffusers.{environment}.held_out_fraction")


def reward_params(environment: str) -> tuple[str, ...]:
    """The true-reward settings, for the stages that score, guide or log by an environment's designed reward."""
    return (f"true_reward.{environment}",) if ENVIRONMENTS[environment].kind.designed_reward else ()


def guided_rollout_params(environment: str, guidance: str | None = None) -> tuple[str, ...]:
    """What closed-loop rollouts of the guided diffuser read: the evaluation protocol, the guidance (the
    study's unless another section is named), where the diffuser runs, and the reward they are scored by."""
    return (
        f"evaluation.{environment}",
        guidance or f"guidance.{environment}",
        *device_params(environment),
        *reward_params(environment),
    )


def dataset_stage(environment: str) -> Stage:
    spec = ENVIRONMENTS[environment]
    outs = []
    for split in spec.splits:
        outs += [str(paths.dataset_file(environment, split)), str(paths.provenance_file(environment, split))]
    return Stage(
        name=f"dataset_{environment}",
        cmd=f"python stages/dataset.py {environment}",
        deps=tuple(stage_code("dataset")),
        outs=tuple(outs),
        params=(f"datasets.{environment}",),
        threads_param=f"datasets.{environment}.generate.torch_threads"
        if spec.kind.generation_trains_networks
        else None,
    )


def table3_stage() -> Stage:
    spec = ENVIRONMENTS["halfcheetah"]
    data = [str(paths.dataset_file(spec.name, split)) for split in spec.splits]
    return Stage(
        name="table3",
        cmd="python stages/table3.py",
        deps=tuple(stage_code("table3") + data),
        outs=(str(paths.TABLE3),),
        metrics=(str(paths.summary_file("table3")),),
        params=("table3",),
    )


def dataset_figure_stage(environment: str) -> Stage:
    spec = ENVIRONMENTS[environment]
    return Stage(
        name=f"dataset_figure_{environment}",
        cmd=f"python stages/dataset_figure.py {environment}",
        deps=tuple(stage_code("dataset_figure") + [str(paths.dataset_file(environment, spec.base_split))]),
        outs=(str(paths.dataset_figure(environment)),),
        params=(f"figures.dataset_samples.{environment}",),
    )


def train_diffuser_stage(environment: str) -> Stage:
    spec = ENVIRONMENTS[environment]
    data = paths.dataset_file(environment, spec.base_split)
    figures = [str(paths.diffuser_loss_figure(environment))]
    if "diffuser_samples" in spec.kind.figures:
        figures.append(str(paths.diffuser_samples_figure(environment)))
    return Stage(
        name=f"train_diffuser_{environment}",
        cmd=f"python stages/train_diffuser.py {environment}",
        deps=tuple(
            stage_code("train_diffuser") + [str(data), str(paths.provenance_file(environment, spec.base_split))]
        ),
        outs=(str(paths.diffuser_model(environment)), *figures, str(paths.diffuser_training_metrics(environment))),
        params=(f"diffusers.{environment}",),
        plots=((str(paths.diffuser_training_log(environment)), "step", "loss"),),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def diffuser_quality_stage(environment: str) -> Stage:
    spec = ENVIRONMENTS[environment]
    return Stage(
        name=f"diffuser_quality_{environment}",
        cmd=f"python stages/diffuser_quality.py {environment}",
        deps=tuple(
            stage_code("diffuser_quality")
            + [str(paths.dataset_file(environment, spec.base_split)), str(paths.diffuser_model(environment))]
        ),
        outs=(str(paths.diffuser_quality_metrics(environment)),),
        params=(
            f"diffuser_quality.{environment}",
            *device_params(environment),
        ),
        threads_param=f"diffusers.{environment}.torch_threads",
    )


def experts_stage(environment: str) -> Stage:
    spec = ENVIRONMENTS[environment]
    if spec.kind.experts_from_diffuser:
        inputs = [str(paths.diffuser_model(environment))]
    else:
        inputs = [str(paths.dataset_file(environment, spec.expert_split))]
    figures = tuple(
        str(draw(environment))
        for figure, draw in (("true_reward", paths.true_reward_figure), ("experts", paths.experts_figure))
        if figure in spec.kind.figures
    )
    experts = paths.experts_file(environment)
    return Stage(
        name=f"experts_{environment}",
        cmd=f"python stages/experts.py {environment}",
        deps=tuple(stage_code("experts") + inputs),
        outs=(str(experts), str(experts.with_suffix(".json")), *figures),
        params=(
            f"experts.{environment}",
            f"guidance.{environment}",
            *device_params(environment),
            *reward_params(environment),
        ),
        threads_param=f"diffusers.{environment}.torch_threads",
    )


def kwindows_stage(environment: str) -> Stage:
    return Stage(
        name=f"kwindows_{environment}",
        cmd=f"python stages/kwindows.py {environment}",
        deps=tuple(stage_code("kwindows") + [str(paths.experts_file(environment))]),
        outs=(str(paths.expert_windows_file(environment)),),
        params=(f"kwindows.{environment}",),
    )


def learn_reward_stage(environment: str, loss: str) -> Stage:
    return Stage(
        name=f"learn_reward_{environment}_{loss}",
        cmd=f"python stages/learn_reward.py {environment} {loss}",
        deps=tuple(
            stage_code("learn_reward")
            + [str(paths.diffuser_model(environment)), str(paths.expert_windows_file(environment))]
        ),
        outs=(str(paths.learnt_reward(environment, loss)), str(paths.reward_training_metrics(environment, loss))),
        params=(
            f"reward_learning.{environment}",
            f"guidance.{environment}",
            *device_params(environment),
        ),
        plots=((str(paths.reward_training_log(environment, loss)), "epoch", "loss"),),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def reward_figure_stage(environment: str) -> Stage:
    return Stage(
        name=f"reward_figure_{environment}",
        cmd=f"python stages/reward_figure.py {environment}",
        deps=tuple(
            stage_code("reward_figure") + [str(paths.reward_training_log(environment, loss)) for loss in paths.LOSSES]
        ),
        outs=(str(paths.reward_loss_figure(environment)),),
        params=(),
    )


def erc_inputs(environment: str) -> list[str]:
    """What the one set of ERC windows is drawn from: the ERC splits, and the experts it must avoid."""
    spec = ENVIRONMENTS[environment]
    return [str(paths.dataset_file(environment, split)) for split in spec.erc_splits] + [
        str(paths.experts_file(environment))
    ]


def evaluate_stage(environment: str) -> Stage:
    return Stage(
        name=f"evaluate_{environment}",
        cmd=f"python stages/evaluate.py {environment}",
        deps=tuple(
            stage_code("evaluate")
            + [str(paths.diffuser_model(environment))]
            + erc_inputs(environment)
            + [str(paths.learnt_reward(environment, loss)) for loss in paths.LOSSES]
        ),
        outs=(str(paths.evaluation_rollouts(environment)), str(paths.evaluation_metrics(environment))),
        params=(*guided_rollout_params(environment), *training_rows_params(environment)),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def demonstration_sources(environment: str) -> list[str]:
    """The experts, and the expert split where whole expert episodes can be the demonstrations."""
    spec = ENVIRONMENTS[environment]
    sources = [str(paths.experts_file(environment))]
    if spec.expert_split is not None:
        sources.append(str(paths.dataset_file(environment, spec.expert_split)))
    return sources


def train_baseline_stage(environment: str, algorithm: str) -> Stage:
    outs = [str(paths.baseline_policy(environment, algorithm))]
    method = METHODS[algorithm]
    if method.has_reward:
        outs.append(str(paths.baseline_reward_net(environment, algorithm)))
    # imitation logs different statistics per algorithm; each has a loss-like column to draw
    y = method.learner.log_column
    return Stage(
        name=f"train_baseline_{environment}_{algorithm}",
        cmd=f"python stages/train_baseline.py {environment} {algorithm}",
        deps=tuple(stage_code("train_baseline") + demonstration_sources(environment)),
        outs=(*outs, str(paths.baseline_training_metrics(environment, algorithm))),
        params=(f"baselines.{environment}", *reward_params(environment)),
        threads_param=f"baselines.{environment}.torch_threads",
        plots=((str(paths.baseline_training_log(environment, algorithm)), "step", y),),
    )


def evaluate_baselines_stage(environment: str) -> Stage:
    return Stage(
        name=f"evaluate_baselines_{environment}",
        cmd=f"python stages/evaluate_baselines.py {environment}",
        deps=tuple(
            stage_code("evaluate_baselines")
            + [str(paths.baseline_policy(environment, algorithm)) for algorithm in paths.BASELINES]
            + [str(paths.baseline_reward_net(environment, name)) for name in baselines_with_rewards()]
            + erc_inputs(environment)
        ),
        outs=(str(paths.baselines_rollouts(environment)), str(paths.baselines_metrics(environment))),
        params=(
            f"evaluation.{environment}",
            f"diffusers.{environment}.horizon",
            *reward_params(environment),
            *training_rows_params(environment),
        ),
    )


def rollout_figure_stage(environment: str) -> Stage:
    outs = [str(paths.rollout_figure(environment))]
    if paths.figure_number("true_reward_rollouts", environment) is not None:
        outs.append(str(paths.true_reward_rollout_figure(environment)))
    return Stage(
        name=f"rollout_figure_{environment}",
        cmd=f"python stages/rollout_figure.py {environment}",
        deps=tuple(
            stage_code("rollout_figure")
            + [str(paths.evaluation_rollouts(environment)), str(paths.baselines_rollouts(environment))]
        ),
        outs=tuple(outs),
        params=(),
    )


def dynamics_error_stage(environment: str) -> Stage:
    return Stage(
        name=f"dynamics_error_{environment}",
        cmd=f"python stages/dynamics_error.py {environment}",
        deps=tuple(
            stage_code("dynamics_error")
            + [
                str(paths.diffuser_model(environment)),
                str(paths.expert_windows_file(environment)),
                str(paths.evaluation_rollouts(environment)),
            ]
        ),
        outs=(
            *(str(paths.dynamics_error_figure(environment, kind)) for kind in DYNAMICS_ERROR_FIGURES),
            str(paths.dynamics_error_starts(environment)),
            str(paths.dynamics_error_metrics(environment)),
        ),
        params=(
            f"dynamics_error.{environment}",
            f"experts.{environment}.start_cells",
            *device_params(environment),
        ),
        threads_param=f"diffusers.{environment}.torch_threads",
    )


def results_table_stage(number: int) -> Stage:
    """Table ``number`` of the thesis (``python stages/results_table.py 1``)."""
    return results_table_stage_of(RESULTS_TABLES[number], str(number), paths.results_table(number))


def environment_table_stage(environment: str) -> Stage:
    """The results table of an environment the thesis has no table of (``python stages/results_table.py ENV``)."""
    table = ENVIRONMENT_TABLES[environment]
    return results_table_stage_of(table, environment, paths.environment_results_table(environment))


def results_table_stage_of(table, argument: str, output: Path, extra_inputs: tuple[str, ...] = ()) -> Stage:
    environment = table.environment
    return Stage(
        name=table.name,
        cmd=f"python stages/results_table.py {argument}",
        deps=tuple(
            stage_code("results_table")
            + [str(paths.evaluation_metrics(environment)), str(paths.baselines_metrics(environment))]
            + list(extra_inputs)
        ),
        outs=(str(output),),
        # the study's tables are `dvc metrics show`'s; a comparison table would widen it past a terminal
        metrics=()
        if table.comparison
        else tuple(str(paths.summary_file(name)) for name in results_summary_names(table)),
        params=(f"evaluation.{environment}.confidence",),
    )


def results_summary_names(table) -> list[str]:
    """The summary files of a results table: its statistic per method, and its ERCs where it has them."""
    return [table.name] + ([f"{table.name}_erc"] if table.with_erc else [])


def claims_stage() -> Stage:
    return Stage(
        name="claims",
        cmd="python stages/claims.py",
        deps=tuple(
            stage_code("claims")
            + [str(paths.results_table(number)) for number in RESULTS_TABLES]
            + ["scales/default.yaml", "scales/paper.yaml"]  # the paper scale: the thesis's settings
        ),
        outs=(str(paths.CLAIMS),),
        metrics=(str(paths.summary_file("claims")),),
        params=CUT_SECTIONS,
    )


def report_stage(stages: list[Stage]) -> Stage:
    """The report reads every table and figure the other stages make, and the datasets' provenance."""
    produced = [out for stage in stages for out in stage.all_outputs]
    results = [*RESULTS_TABLES.values(), *ENVIRONMENT_TABLES.values()]
    tables = [
        str(paths.TABLE3),
        *(str(paths.results_table(n)) for n in RESULTS_TABLES),
        *(str(paths.environment_results_table(env)) for env in ENVIRONMENT_TABLES),
        str(paths.CLAIMS),
    ]
    figures = sorted(out for out in produced if out.endswith(".png"))
    sidecars = sorted(out for out in produced if out.startswith(str(paths.DATA / "datasets")) and out.endswith(".json"))
    return Stage(
        name="report",
        cmd="python stages/report.py",
        deps=tuple(stage_code("report") + ["params.yaml", *tables, *figures, *sidecars]),
        outs=(
            str(paths.REPORT_MARKDOWN),
            str(paths.REPORT_HTML),
            *(str(paths.forest_figure(table.name)) for table in results if table.with_erc),
        ),
        params=(),
    )


def report_inputs() -> dict[str, list[str]]:
    """What the report shows: its table, figure and provenance inputs, as the DAG declares them."""
    deps = next(stage for stage in pipeline_stages() if stage.name == "report").deps
    return {
        "tables": [d for d in deps if d.startswith(str(paths.REPORTS)) and d.endswith(".csv")],
        "figures": [d for d in deps if d.endswith(".png")],
        "sidecars": [d for d in deps if d.startswith(str(paths.DATA)) and d.endswith(".json")],
    }


def study_stages() -> list[Stage]:
    """The thesis's study: every table and figure, and the report (in an order that respects the DAG)."""
    stages = [dataset_stage(env) for env in ENVIRONMENTS]
    stages.append(table3_stage())
    stages += [dataset_figure_stage(env) for env in environments_with("dataset_samples")]
    stages += [train_diffuser_stage(env) for env in ENVIRONMENTS]
    stages += [diffuser_quality_stage(env) for env in ENVIRONMENTS]
    stages += [experts_stage(env) for env in ENVIRONMENTS]
    stages += [kwindows_stage(env) for env in ENVIRONMENTS]
    stages += [learn_reward_stage(env, loss) for env in ENVIRONMENTS for loss in paths.LOSSES]
    stages += [reward_figure_stage(env) for env in ENVIRONMENTS]
    stages += [evaluate_stage(env) for env in ENVIRONMENTS]
    stages += [train_baseline_stage(env, algorithm) for env in ENVIRONMENTS for algorithm in paths.BASELINES]
    stages += [evaluate_baselines_stage(env) for env in ENVIRONMENTS]
    stages += [rollout_figure_stage(env) for env in environments_with("rollouts")]
    stages += [dynamics_error_stage(env) for env in environments_with("dynamics_error")]
    stages += [results_table_stage(number) for number in RESULTS_TABLES]
    stages += [environment_table_stage(env) for env in ENVIRONMENT_TABLES]
    stages.append(claims_stage())
    stages.append(report_stage(stages))
    return stages


def ancestors(stages: list[Stage], name: str) -> set[str]:
    """``name`` and every stage it needs, transitively."""
    producer = {out: stage for stage in stages for out in stage.all_outputs}
    by_name = {stage.name: stage for stage in stages}
    needed, pending = set(), [name]
    while pending:
        current = pending.pop()
        if current not in needed:
            needed.add(current)
            pending += [producer[d].name for d in by_name[current].deps if d in producer]
    return needed


def variant_stage_name(variant: Variant, stage_name: str) -> str:
    return f"{variant.name}__{stage_name}"


def variant_stages(study: list[Stage], variant: Variant) -> list[Stage]:
    return variant_plan(study, variant)[0]


def variant_redirections(variant: Variant) -> set[str]:
    """The study files a variant makes its own versions of (what ``paths.use_variant`` redirects)."""
    return variant_plan(study_stages(), variant)[1]


def variant_evaluations(variant: Variant) -> list[str]:
    """The study's evaluation stages whose results the variant compares: ``evaluate_ENV`` and/or
    ``evaluate_baselines_ENV`` in each of its environments."""
    return [f"{stage}_{environment}" for environment in variant.environments for stage in variant.evaluations]


def variant_plan(study: list[Stage], variant: Variant) -> tuple[list[Stage], set[str]]:
    """The study's stages a variant re-runs, re-declared with its overlay and its own outputs,
    and the study files they make variant versions of.

    A stage on the way to the variant's evaluations (to its learnt rewards, where it evaluates
    nothing) is re-run when it reads a params subtree the variant changes, or a file a re-run stage
    makes; learnt rewards of losses the variant does not train are left out. Everything else it reads is the study's own. A variant that
    extends another re-runs only what that one does not (its other losses and what reads them),
    reading that one's versions of the rest.
    """
    borrowed: set[str] = set()
    parent_names: set[str] = set()
    if variant.extends is not None:
        parent_stages, _ = variant_plan(study, get_variant(variant.extends))
        parent_names = {stage.name for stage in parent_stages}
    # a variant that evaluates nothing (one a stage family reads) re-runs what its learnt rewards need
    ends = variant_evaluations(variant) or [
        f"learn_reward_{environment}_{loss}" for environment in variant.environments for loss in variant.losses
    ]
    wanted = set().union(*(ancestors(study, name) for name in ends))
    skipped = {
        f"learn_reward_{environment}_{loss}"
        for environment in variant.environments
        for loss in paths.LOSSES
        if loss not in variant.losses
    }
    skipped_outputs = {out for stage in study if stage.name in skipped for out in stage.all_outputs}
    redirected: set[str] = set()
    stages = []
    for stage in study:  # in DAG order, so a stage's producers come first
        if stage.name not in wanted or stage.name in skipped:
            continue
        changed = any(overlaps(key, subtree) for key in stage.params for subtree in variant.changes)
        if not changed and not (redirected | borrowed).intersection(stage.deps):
            continue
        extended = parent_names and variant_stage_name(get_variant(variant.settings), stage.name) in parent_names
        if extended and not redirected.intersection(stage.deps):
            borrowed.update(stage.all_outputs)
            continue
        redirected.update(stage.all_outputs)
        deps = tuple(d for d in stage.deps if d not in skipped_outputs)
        stages.append(
            Stage(
                name=variant_stage_name(variant, stage.name),
                cmd=variant_command(
                    variant,
                    stage,
                    [p for p in (*deps, *stage.all_outputs) if p in redirected],
                    [p for p in deps if p in borrowed],
                ),
                # the command carries the variant's declaration, so a change there re-runs the stage
                deps=tuple(moved(variant, d, redirected, borrowed) for d in deps) + ("diffirl/variants.py",),
                # plain outputs, metrics and plots alike: `dvc metrics show` and `dvc plots show`
                # list the study's, which `make study` builds, and not a variant's, which it does not
                outs=tuple(moved(variant, o, redirected, borrowed) for o in stage.all_outputs),
                params=(*stage.params, f"variants.{variant.settings}"),
                threads_param=stage.threads_param,
                gpu=stage.gpu,
            )
        )
    return stages, redirected


def moved(variant: Variant, path: str, own: set[str], borrowed: set[str]) -> str:
    """Where a variant's stage finds a study file: its own version, the extended variant's, or the study's."""
    if path in own:
        return str(paths.variant_path(variant.name, path))
    if path in borrowed:
        return str(paths.variant_path(variant.settings, path))
    return path


def variant_command(variant: Variant, stage: Stage, owned: list[str], borrowed: list[str] = ()) -> str:
    """The study stage's command run as ``variant``: the settings it may change and the study files
    it reads or writes in the variant's own version (``owned``) or in that of the variant it extends
    (``borrowed``), and, for the variant's evaluation, the methods it rolls out. The stage learns all of
    it here, from the DAG, and plans nothing itself."""
    command = f"{stage.cmd} --variant {variant.name} --may-change {' '.join(variant.changes)} --owns {' '.join(owned)}"
    if variant.extends is not None:
        command += f" --extends {variant.extends}"
    if borrowed:
        command += f" --borrows {' '.join(borrowed)}"
    for environment in variant.environments:
        if stage.name == f"evaluate_{environment}":
            methods = evaluated_methods(variant, ENVIRONMENTS[environment].has_true_reward_guide)
            command += f" --methods {' '.join(method.name for method in methods)}"
    return command


def remedies_stage(variants: list[Stage]) -> Stage:
    """Every remedy's learnt rewards against its own base diffuser, beside the study's configuration,
    and how physical each one's expert windows are (``variants``: the remedies' stages)."""
    remedies = in_group("remedies")
    outputs = {out for stage in variants for out in stage.all_outputs}
    produced = [out for out in outputs if "/metrics/" in out]
    environments = list(dict.fromkeys(env for v in remedies for env in v.environments))
    study = [str(paths.evaluation_metrics(env)) for env in environments]
    study += [str(paths.expert_windows_file(env)) for env in environments]
    for variant in remedies:
        own = [str(paths.variant_path(variant.name, paths.expert_windows_file(env))) for env in variant.environments]
        study += [path for path in own if path in outputs]
    return Stage(
        name="remedies_table",
        cmd="python stages/remedies.py",
        deps=tuple(stage_code("remedies") + study + sorted(produced)),
        outs=(
            str(paths.REMEDIES),
            str(paths.REMEDIES_MARKDOWN),
            str(paths.REMEDIES_HTML),
            *(str(paths.remedy_forest_figure(variant.name)) for variant in remedies),
        ),
        params=tuple(f"evaluation.{env}.confidence" for env in environments),
    )


def conventions_stage(variants: list[Stage]) -> Stage:
    """Each convention variant's methods against its own base diffuser, beside the study's
    (``variants``: the conventions' stages)."""
    conventions = in_group("conventions")
    produced = sorted(out for stage in variants for out in stage.all_outputs if "/metrics/" in out)
    environments = list(dict.fromkeys(env for v in conventions for env in v.environments))
    study = [str(paths.evaluation_metrics(env)) for env in environments]
    study += [str(paths.baselines_metrics(env)) for env in environments]
    return Stage(
        name="conventions_table",
        cmd="python stages/conventions.py",
        deps=tuple(stage_code("conventions") + study + produced),
        outs=(
            str(paths.CONVENTIONS),
            str(paths.CONVENTIONS_MARKDOWN),
            str(paths.CONVENTIONS_HTML),
            *(str(paths.convention_forest_figure(v.name, env)) for v in conventions for env in v.environments),
        ),
        params=tuple(f"evaluation.{env}.confidence" for env in environments),
    )


def recovery_environments() -> list[str]:
    return list(dict.fromkeys(env for v in recovery_members("full") for env in v.environments))


#: the recovery benchmark's scoring stages of rewards that no family member learns: the controls
#: of the true reward, and the baselines' recovered rewards (with the networks they read)
RECOVERY_SCORING = {
    "controls": lambda environment: [],
    "baselines": lambda environment: [
        str(paths.baseline_reward_net(environment, name)) for name in baselines_with_rewards()
    ],
}


def recovery_scoring_stage(kind: str, environment: str) -> Stage:
    """Stage ``recovery_KIND_ENV``: rewards of one kind scored against the maze's true reward (rollouts,
    ERC, EPIC, gradient cosines), for the leaderboard."""
    output = {"controls": paths.recovery_controls, "baselines": paths.recovery_baselines}[kind](environment)
    return Stage(
        name=f"recovery_{kind}_{environment}",
        cmd=f"python stages/recovery_{kind}.py {environment}",
        deps=tuple(
            stage_code(f"recovery_{kind}")
            + [str(paths.diffuser_model(environment))]
            + RECOVERY_SCORING[kind](environment)
            + [str(paths.dataset_file(environment, ENVIRONMENTS[environment].base_split))]
            + erc_inputs(environment)
        ),
        outs=(str(output),),
        params=(
            *guided_rollout_params(environment),
            *training_rows_params(environment),
            f"recovery.{environment}",
        ),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def recovery_stage(variants: list[Stage], extent: str = "core") -> Stage:
    """The leaderboard: every family member's learnt rewards (the study's own reward among them), the
    baselines' and the relative reward, and every control, by recovery ratio, ERC, EPIC and gradient cosine
    (``variants``: the family's stages)."""
    members = recovery_members(extent)
    outputs = {out for stage in variants for out in stage.all_outputs}
    environments = list(dict.fromkeys(env for v in members for env in v.environments))
    study = [str(paths.evaluation_metrics(env)) for env in environments]
    study += [str(paths.diffuser_model(env)) for env in environments]
    study += [str(paths.learnt_reward(env, loss)) for env in environments for loss in paths.LOSSES]
    study += [str(paths.recovery_controls(env)) for env in environments]
    study += [str(paths.recovery_baselines(env)) for env in environments]
    study += [str(paths.dataset_file(env, ENVIRONMENTS[env].base_split)) for env in environments]
    # Nuti et al.'s relative reward (make compare's), on the leaderboard beside the thesis's method
    study += [
        str(p)
        for env in environments
        for p in (paths.comparison_metrics(env), paths.comparison_network(env, "relative"))
    ]
    own = [
        str(paths.variant_path(variant.name, path))
        for variant in members
        for env in variant.environments
        for path in (paths.evaluation_metrics(env), *(paths.learnt_reward(env, loss) for loss in variant.losses))
    ]
    missing = sorted(set(own) - outputs)
    if missing:
        raise ValueError(f"the recovery family's stages make none of {missing}")
    return Stage(
        name="recovery_table" if extent == "core" else f"recovery_{extent}_table",
        cmd=f"python stages/recovery.py {extent}",
        deps=tuple(stage_code("recovery") + study + own),
        outs=tuple(str(path) for path in paths.recovery_outputs(extent)),
        params=tuple(
            key
            for env in environments
            for key in (
                f"recovery.{env}",
                f"evaluation.{env}",
                f"true_reward.{env}",
                f"reward_learning.{env}.structure",
                *device_params(env),
            )
        )
        + tuple(dict.fromkeys(f"variants.{variant.settings}" for variant in members)),
    )


def probe_stage(study: list[Stage]) -> Stage:
    """The probe of the current scale: every study stage's code and settings are its inputs, because it
    runs them all (at the scale's sizes, their loops capped) in a scratch copy of its own."""
    scripts = sorted({stage.cmd.split()[1].removeprefix("stages/").removesuffix(".py") for stage in study})
    code = sorted({file for script in ["probe", *scripts] for file in stage_code(script)})
    settings = sorted({key for stage in study for key in stage.params} | {"probe"})
    return Stage(
        name="paper_cost",
        cmd="python stages/probe.py",
        deps=tuple(code),
        outs=(
            str(paths.PAPER_COST),
            str(paths.PAPER_COST_LOOPS),
            str(paths.PAPER_COST_FIGURE),
            str(paths.PAPER_COST_MARKDOWN),
            str(paths.PAPER_COST_HTML),
        ),
        params=tuple(settings),
    )


def family_stages(family: StageFamily) -> list[Stage]:
    """The stages a method family declares with its own code (:class:`diffirl.stage_families.StageFamily`)."""
    module, _, function = family.stages.partition(":")
    return getattr(importlib.import_module(module), function)()


def pipeline_stages() -> list[Stage]:
    """The study, then its variants and the tables comparing them, then each method family's own stages."""
    study = study_stages()
    by_group = {group: [s for v in in_group(group) for s in variant_stages(study, v)] for group in GROUPS}
    variants = [stage for variant in VARIANTS.values() for stage in variant_stages(study, variant)]
    tables = [
        remedies_stage(by_group["remedies"]),
        conventions_stage(by_group["conventions"]),
        *(recovery_scoring_stage(kind, env) for kind in RECOVERY_SCORING for env in recovery_environments()),
        *(
            recovery_stage([stage for group in groups for stage in by_group[group]], extent)
            for extent, groups in RECOVERY_EXTENTS.items()
        ),
    ]
    families = [stage for family in STAGE_FAMILIES.values() for stage in family_stages(family)]
    return [*study, *variants, *tables, *families, probe_stage(study)]


def declared_targets() -> tuple[str, ...]:
    built_in = ("all", "study", *GROUPS, "probe")
    clashing = sorted(set(built_in) & set(STAGE_FAMILIES))
    if clashing:
        raise ValueError(f"stage family target {clashing[0]!r} is one of the built-in targets {', '.join(built_in)}")
    return (*built_in, *STAGE_FAMILIES)


#: what ``snakemake TARGET`` and ``python -m diffirl.sync --target TARGET`` build or record
TARGETS = declared_targets()
#: targets sized for the paper scale's machines, which ``all`` (``snakemake`` alone) leaves out: the
#: whole recovery benchmark is some 200 stages, hours even at the default scale (docs/recovery.md),
#: and reward transfer in the Large Maze needs its family's per-step rewards (docs/transfer.md)
PAPER_SIZED_TARGETS = ("recovery_full", "transfer_full")


def target_stages(target: str) -> list[Stage]:
    """The stages a target needs: everything but the paper-sized targets, the study alone, or a variant
    group's table or a method family's stages, with what they read."""
    stages = pipeline_stages()
    if target == "all":
        others = [t for t in TARGETS if t != "all" and t not in PAPER_SIZED_TARGETS]
        names = {stage.name for t in others for stage in target_stages(t)}
        return [stage for stage in stages if stage.name in names]
    if target == "study":
        names = {stage.name for stage in study_stages()}
    elif target == "probe":
        names = {"paper_cost"}
    elif target in GROUPS:
        names = ancestors(stages, f"{target}_table")
    elif target in STAGE_FAMILIES:
        own = family_stages(STAGE_FAMILIES[target])
        names = set().union(*(ancestors(stages, stage.name) for stage in own))
    else:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    return [stage for stage in stages if stage.name in names]


def final_stages(target: str = "all") -> list[str]:
    """The target's stages whose outputs none of its stages reads: `dvc repro` of these builds
    the whole target, and DVC answers for four names in seconds where it takes half a minute
    for all fifty-five."""
    stages = target_stages(target)
    consumed = {dep for stage in stages for dep in stage.deps}
    return [stage.name for stage in stages if not set(stage.all_outputs) & consumed]


def final_targets(target: str = "all") -> list[str]:
    """Every output of the target's stages that none of them consumes (its tables, figures and metrics)."""
    stages = target_stages(target)
    consumed = {dep for stage in stages for dep in stage.deps}
    return [out for stage in stages for out in stage.all_outputs if out not in consumed]


def params_subtree(params: dict, dotted: str):
    node = params
    for part in dotted.split("."):
        node = node[part]
    return node


def render_dvc_yaml() -> str:
    stages = {}
    for stage in pipeline_stages():
        entry = {"cmd": stage.cmd, "deps": list(stage.deps)}
        if stage.params:
            entry["params"] = list(stage.params)
        if stage.outs:
            entry["outs"] = list(stage.outs)
        if stage.metrics:
            entry["metrics"] = list(stage.metrics)
        if stage.plots:
            entry["plots"] = [{path: {"x": x, "y": y}} for path, x, y in stage.plots]
        stages[stage.name] = entry
    header = "# GENERATED from diffirl/dag.py by `make dvc.yaml`; do not edit by hand.\n"
    return header + yaml.safe_dump({"stages": stages}, sort_keys=False, width=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Render dvc.yaml from the DAG declaration.")
    parser.add_argument("--check", action="store_true", help="exit 1 if dvc.yaml is out of date")
    parser.add_argument(
        "--list",
        choices=TARGETS,
        help="print the stages that `dvc repro` builds the target from, and exit (method families' targets: "
        + "; ".join(f"{family.target}, {family.description}" for family in STAGE_FAMILIES.values())
        + ")",
    )
    args = parser.parse_args(argv)
    if args.list:
        print(" ".join(final_stages(args.list)))
        return
    rendered = render_dvc_yaml()
    if args.check:
        if not DVC_YAML.is_file() or DVC_YAML.read_text() != rendered:
            sys.exit("dvc.yaml is out of date with diffirl/dag.py: run `make dvc.yaml`")
        return
    from diffirl.io import write_text

    write_text(DVC_YAML, rendered)


if __name__ == "__main__":
    main()
