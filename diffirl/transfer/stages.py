"""The stages of reward transfer (``make transfer``): per environment and learner, its training on
every transferred reward and its policies' rollouts; then the table, figure and page. Its entry in
:data:`diffirl.stage_families.STAGE_FAMILIES` adds them to the DAG."""

from __future__ import annotations

from diffirl import paths
from diffirl.dag import Stage, device_params, erc_inputs, guided_rollout_params, reward_params, training_rows_params
from diffirl.envs.registry import ENVIRONMENTS
from diffirl.methods import LOSSES, baselines_with_rewards
from diffirl.stage_code import stage_code
from diffirl.transfer import LEARNER_NAMES, PER_STEP_VARIANTS, TRANSFER_EXTENTS, has_steering_test, transfer_splits


def per_step_and_baseline_rewards(environment: str) -> list[str]:
    """The recovery variant's per-step networks and the baselines' reward networks."""
    variant = PER_STEP_VARIANTS[environment]
    per_step = [str(paths.variant_path(variant, paths.learnt_reward(environment, loss))) for loss in LOSSES]
    return per_step + [str(paths.baseline_reward_net(environment, name)) for name in baselines_with_rewards()]


def training_stage(environment: str, learner: str) -> Stage:
    return Stage(
        name=f"transfer_{learner}_{environment}",
        cmd=f"python stages/transfer_train.py {environment} {learner}",
        deps=tuple(
            stage_code("transfer_train")
            + [str(paths.dataset_file(environment, split)) for split in transfer_splits(ENVIRONMENTS[environment])]
            + [str(paths.diffuser_model(environment)), str(paths.comparison_network(environment, "relative"))]
            + per_step_and_baseline_rewards(environment)
        ),
        outs=(str(paths.transfer_metrics(environment, learner)),),
        params=(
            f"transfer.{environment}",
            f"evaluation.{environment}",
            *reward_params(environment),
            *device_params(environment),
        ),
    )


def independent_diffuser_stage(environment: str) -> Stage:
    return Stage(
        name=f"transfer_diffuser_{environment}",
        cmd=f"python stages/transfer_diffuser.py {environment}",
        deps=tuple(
            stage_code("transfer_diffuser")
            + [str(paths.dataset_file(environment, ENVIRONMENTS[environment].base_split))]
        ),
        outs=(str(paths.independent_diffuser_model(environment)), str(paths.independent_diffuser_metrics(environment))),
        params=(f"diffusers.{environment}", f"transfer.{environment}.independent_diffuser_seed"),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def steering_stage(environment: str) -> Stage:
    """Every learnt reward steering the study's diffuser and the independent one."""
    study_rewards = [str(paths.learnt_reward(environment, loss)) for loss in LOSSES]
    return Stage(
        name=f"transfer_steering_{environment}",
        cmd=f"python stages/transfer_steering.py {environment}",
        deps=tuple(
            stage_code("transfer_steering")
            + [str(paths.diffuser_model(environment)), str(paths.independent_diffuser_model(environment))]
            + study_rewards
            + per_step_and_baseline_rewards(environment)
            + [str(paths.dataset_file(environment, ENVIRONMENTS[environment].base_split))]
            + erc_inputs(environment)
        ),
        outs=(str(paths.transfer_steering_metrics(environment)),),
        params=(*guided_rollout_params(environment), *training_rows_params(environment), f"transfer.{environment}"),
        threads_param=f"diffusers.{environment}.torch_threads",
        gpu=True,
    )


def table_stage(extent: str) -> Stage:
    environments = TRANSFER_EXTENTS[extent]
    return Stage(
        name="transfer_table" if extent == "core" else f"transfer_{extent}_table",
        cmd=f"python stages/transfer.py {extent}",
        deps=tuple(
            stage_code("transfer")
            + [str(paths.transfer_metrics(env, learner)) for env in environments for learner in LEARNER_NAMES]
            + [
                str(paths.transfer_steering_metrics(env))
                for env in environments
                if has_steering_test(ENVIRONMENTS[env])
            ]
        ),
        outs=tuple(str(path) for path in paths.transfer_outputs(extent)),
        params=tuple(key for env in environments for key in (f"transfer.{env}", f"evaluation.{env}.confidence")),
    )


def environment_stages(environment: str) -> list[Stage]:
    steering = (
        [independent_diffuser_stage(environment), steering_stage(environment)]
        if has_steering_test(ENVIRONMENTS[environment])
        else []
    )
    return [*(training_stage(environment, learner) for learner in LEARNER_NAMES), *steering]


def transfer_stages() -> list[Stage]:
    """``make transfer``: the U-Maze's stages and its table."""
    return [stage for env in TRANSFER_EXTENTS["core"] for stage in environment_stages(env)] + [table_stage("core")]


def full_transfer_stages() -> list[Stage]:
    """``make transfer_full``: the other environments' stages and the table of all of them."""
    added = [env for env in TRANSFER_EXTENTS["full"] if env not in TRANSFER_EXTENTS["core"]]
    return [stage for env in added for stage in environment_stages(env)] + [table_stage("full")]
