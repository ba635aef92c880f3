"""The stages of the relative-reward family (``make compare``): its expert diffuser, its networks
(the relative reward and the discriminator), their steering, evaluation, tables, maps and page,
declared here beside the family's code; its entry in :data:`diffirl.stage_families.STAGE_FAMILIES` adds them
to the DAG."""

from __future__ import annotations

from diffirl import paths
from diffirl.dag import (
    Stage,
    device_params,
    erc_inputs,
    guided_rollout_params,
    results_table_stage_of,
    reward_params,
    training_rows_params,
)
from diffirl.envs.registry import ENVIRONMENTS, environments_with
from diffirl.methods import baselines_with_rewards
from diffirl.methods.relative_reward import COMPARED
from diffirl.reports.results import comparison_table
from diffirl.stage_code import stage_code


def expert_diffuser_stage(environment: str) -> Stage:
    """The relative reward's expert diffuser (Nuti et al.)."""
    return Stage(
        name=f"train_expert_diffuser_{environment}",
        cmd=f"python stages/train_expert_diffuser.py {environment}",
        deps=tuple(
            stage_code("train_expert_diffuser")
            + [str(paths.diffuser_model(environment)), str(paths.experts_file(environment))]
        ),
        outs=(
            str(paths.expert_diffuser_model(environment)),
            str(paths.comparison_training_metrics(environment, "expert_diffuser")),
        ),
        params=(f"relative_reward.{environment}.expert_diffuser", f"diffusers.{environment}"),
        plots=((str(paths.comparison_training_log(environment, "expert_diffuser")), "step", "loss"),),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def comparison_network_stage(environment: str, method: str) -> Stage:
    """The network a compared method steers with: the relative reward (from the two diffusers) or the
    discriminator (from the base diffuser's noise and the two sets of windows)."""
    spec = ENVIRONMENTS[environment]
    data = paths.dataset_file(environment, spec.base_split)
    diffusers = [str(paths.diffuser_model(environment))]
    if method == "relative":
        diffusers.append(str(paths.expert_diffuser_model(environment)))
    return Stage(
        name=f"learn_{method}_{environment}",
        cmd=f"python stages/learn_relative_reward.py {environment} {method}",
        deps=tuple(
            stage_code("learn_relative_reward")
            + diffusers
            + [
                str(paths.experts_file(environment)),
                str(data),
                str(paths.provenance_file(environment, spec.base_split)),
            ]
        ),
        outs=(
            str(paths.comparison_network(environment, method)),
            str(paths.comparison_training_metrics(environment, method)),
        ),
        params=(f"relative_reward.{environment}", *device_params(environment), *training_rows_params(environment)),
        plots=((str(paths.comparison_training_log(environment, method)), "step", "loss"),),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def steering_selection_stage(environment: str, method: str) -> Stage:
    return Stage(
        name=f"select_steering_{environment}_{method}",
        cmd=f"python stages/select_steering.py {environment} {method}",
        deps=tuple(
            stage_code("select_steering")
            + [str(paths.diffuser_model(environment)), str(paths.comparison_network(environment, method))]
        ),
        outs=(str(paths.steering_selection(environment, method)),),
        params=guided_rollout_params(environment, f"relative_reward.{environment}.steering"),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def comparison_evaluation_stage(environment: str) -> Stage:
    return Stage(
        name=f"evaluate_comparison_{environment}",
        cmd=f"python stages/evaluate_comparison.py {environment}",
        deps=tuple(
            stage_code("evaluate_comparison")
            + [str(paths.diffuser_model(environment))]
            + [str(paths.comparison_network(environment, method)) for method in COMPARED]
            + [str(paths.steering_selection(environment, method)) for method in COMPARED]
            + erc_inputs(environment)
        ),
        outs=(str(paths.comparison_rollouts(environment)), str(paths.comparison_metrics(environment))),
        params=(
            *guided_rollout_params(environment, f"relative_reward.{environment}.steering"),
            f"diffusers.{environment}.horizon",
            *training_rows_params(environment),
        ),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def reward_maps_stage(environment: str) -> Stage:
    """Nuti et al.'s check in a maze: every reward drawn over it, and whether its best cell is the goal's."""
    networks = [str(paths.learnt_reward(environment, loss)) for loss in paths.LOSSES]
    networks += [str(paths.comparison_network(environment, method)) for method in COMPARED]
    networks += [str(paths.baseline_reward_net(environment, name)) for name in baselines_with_rewards()]
    return Stage(
        name=f"reward_maps_{environment}",
        cmd=f"python stages/reward_maps.py {environment}",
        deps=tuple(stage_code("reward_maps") + [str(paths.diffuser_model(environment))] + networks),
        outs=(str(paths.reward_maps_figure(environment)), str(paths.goal_recovery_table(environment))),
        params=(f"evaluation.{environment}.airl_erc_reward", *device_params(environment), *reward_params(environment)),
    )


def comparison_table_stage(environment: str) -> Stage:
    table = comparison_table(environment)
    inputs = (str(paths.comparison_metrics(environment)),)
    return results_table_stage_of(table, table.name, paths.comparison_results_table(environment), inputs)


def comparison_report_stage() -> Stage:
    """The page of ``make compare``: every comparison table, steering choice and maze check it reads."""
    inputs = [str(paths.comparison_results_table(env)) for env in ENVIRONMENTS]
    inputs += [str(paths.steering_selection(env, method)) for env in ENVIRONMENTS for method in COMPARED]
    for env in environments_with("reward_maps"):
        inputs += [str(paths.goal_recovery_table(env)), str(paths.reward_maps_figure(env))]
    return Stage(
        name="comparison_report",
        cmd="python stages/comparison_report.py",
        deps=tuple(stage_code("comparison_report") + inputs),
        outs=(str(paths.COMPARISON_MARKDOWN), str(paths.COMPARISON_HTML)),
        params=(),
    )


def comparison_stages() -> list[Stage]:
    """Nuti et al.'s relative reward beside the thesis's method (``make compare``), on the study's
    diffusers, experts and evaluations."""
    stages = [
        stage
        for env in ENVIRONMENTS
        for stage in (
            expert_diffuser_stage(env),
            *(comparison_network_stage(env, method) for method in COMPARED),
            *(steering_selection_stage(env, method) for method in COMPARED),
            comparison_evaluation_stage(env),
            comparison_table_stage(env),
        )
    ] + [reward_maps_stage(env) for env in environments_with("reward_maps")]
    return [*stages, comparison_report_stage()]
