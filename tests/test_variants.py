"""Variants of the study (the thesis's remedies): overlays, the stages they re-run, their files and their pieces."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from diffirl import dag, paths
from diffirl.envs import get_environment
from diffirl.experts.generation import goal_plan_experts, goal_rollout_experts
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.params import ParameterError
from diffirl.params.load import deep_merge, validate_params
from diffirl.params.scale import SCALES, compose
from diffirl.params.schema import ExpertSettings
from diffirl.planning.quality import dynamics_errors
from diffirl.reports.remedies import remedy_rows
from diffirl.variants import RECOVERY_MEMBERS, VARIANTS, get_variant, in_group, validate_variants, variant_params
from tests.test_planning import tiny_trained


@pytest.mark.parametrize("scale", SCALES)
def test_every_variant_overlays_every_scale_with_valid_settings(scale):
    raw = compose(scale)  # validates every variant's overlay too
    # a variant that extends another has that one's overlay and none of its own
    assert set(raw["variants"]) == {name for name, variant in VARIANTS.items() if variant.extends is None}
    study = validate_params(raw)
    long_horizon = variant_params(raw, "long_horizon")
    assert long_horizon.diffusers.halfcheetah.horizon > study.diffusers.halfcheetah.horizon
    assert long_horizon.guidance.halfcheetah.scale > study.guidance.halfcheetah.scale
    assert long_horizon.diffusers.large == study.diffusers.large  # nothing outside its declared subtrees
    assert variant_params(raw, "physical_experts").experts.large.procedure == "goal_rollouts"
    shorter = variant_params(raw, "reward_training_length_100").reward_learning.large
    longer = variant_params(raw, "reward_training_length_500").reward_learning.large
    for loss, settings in study.reward_learning.large.losses.items():  # the training length, and only that
        assert shorter.losses[loss].epochs < longer.losses[loss].epochs
        assert scale == "paper" or settings.epochs < shorter.losses[loss].epochs
        assert shorter.losses[loss].learning_rate == longer.losses[loss].learning_rate == settings.learning_rate
    for seed in (1, 2):  # another reward-learning seed, and nothing else
        reseeded = variant_params(raw, f"reward_training_seed_{seed}").reward_learning.large
        assert reseeded.seed == seed != study.reward_learning.large.seed
        assert reseeded.model_copy(update={"seed": study.reward_learning.large.seed}) == study.reward_learning.large
    assert variant_params(raw, "step_conditioned_reward").reward_learning.halfcheetah.step_embedding_dim > 0
    assert study.reward_learning.halfcheetah.step_embedding_dim == 0 and study.experts.large.procedure == "goal_plans"


def test_an_overlay_may_change_only_what_its_variant_declares_and_only_real_settings():
    raw = compose("smoke")
    outside = deep_merge(raw, {"variants": {"physical_experts": {"diffusers": {"large": {"horizon": 32}}}}})
    with pytest.raises(ParameterError, match=r"variants\.physical_experts\.diffusers\.large\.horizon is outside"):
        variant_params(outside, "physical_experts")
    misspelt = deep_merge(raw, {"variants": {"physical_experts": {"experts": {"large": {"lenght": 32}}}}})
    with pytest.raises(ParameterError, match="lenght"):
        variant_params(misspelt, "physical_experts")
    bad_value = deep_merge(raw, {"variants": {"long_horizon": {"diffusers": {"halfcheetah": {"horizon": 7}}}}})
    with pytest.raises(ParameterError, match="horizon"):
        variant_params(bad_value, "long_horizon")
    with pytest.raises(ParameterError, match="unknown variant 'nope'"):
        variant_params(raw, "nope")
    unknown = deep_merge(raw, {"variants": {"nope": {}}})
    with pytest.raises(ParameterError, match="nope"):
        compose_check(unknown)


def compose_check(raw):
    validate_variants(raw)


def stages_of(name: str) -> dict[str, dag.Stage]:
    variant = get_variant(name)
    return {s.name.removeprefix(f"{name}__"): s for s in dag.variant_stages(dag.study_stages(), variant)}


def test_each_variant_re_runs_what_its_settings_reach_and_nothing_else():
    assert list(stages_of("physical_experts")) == [
        "experts_large",
        "kwindows_large",
        *(f"learn_reward_large_{loss}" for loss in paths.LOSSES),
        "evaluate_large",
    ]
    assert list(stages_of("step_conditioned_reward")) == [
        *(f"learn_reward_halfcheetah_{loss}" for loss in get_variant("step_conditioned_reward").losses),
        "evaluate_halfcheetah",
    ]
    for name in ("reward_training_length_100", "reward_training_length_500", "reward_training_seed_1"):
        assert list(stages_of(name)) == [  # the Large Maze's rewards and evaluation only
            *(f"learn_reward_large_{loss}" for loss in paths.LOSSES),
            "evaluate_large",
        ]
    assert list(stages_of("long_horizon")) == [
        "train_diffuser_halfcheetah",
        "experts_halfcheetah",
        "kwindows_halfcheetah",
        "learn_reward_halfcheetah_mse",
        "evaluate_halfcheetah",
    ]


def test_a_variant_writes_only_files_of_its_own_and_reads_the_study_for_the_rest():
    study_outputs = {out for stage in dag.study_stages() for out in stage.all_outputs}
    for name, variant in VARIANTS.items():
        stages = stages_of(name)
        for stage in stages.values():
            assert all(
                out.startswith((f"data/variants/{name}/", f"reports/variants/{name}/")) for out in stage.all_outputs
            )
            assert f" --variant {name} --may-change {' '.join(variant.changes)} --owns " in stage.cmd
            assert f"variants.{variant.settings}" in stage.params
        for environment in variant.environments:
            if f"evaluate_{environment}" not in stages:
                assert "evaluate" not in variant.evaluations
                continue
            evaluate = stages[f"evaluate_{environment}"]
            rewards = [d for d in evaluate.deps if "/rewards/" in d and d.endswith(".pt")]
            assert sorted(rewards) == sorted(
                str(paths.variant_path(name, paths.learnt_reward(environment, loss))) for loss in variant.losses
            )
            diffuser = str(paths.diffuser_model(environment))
            expected = paths.variant_path(name, diffuser) if "train_diffuser_" + environment in stages else diffuser
            assert str(expected) in evaluate.deps
            assert any(d in study_outputs for d in evaluate.deps)  # the ERC data are the study's


def test_a_loss_extension_re_runs_its_losses_and_their_evaluation_and_reads_its_members_experts():
    extension = get_variant("recovery_large_goal_3_3_other_losses")
    assert extension.settings == "recovery_large_goal_3_3" and extension.losses == ("mse", "mmd_matern")
    stages = stages_of(extension.name)
    assert list(stages) == ["learn_reward_large_mse", "learn_reward_large_mmd_matern", "evaluate_large"]
    member = stages_of("recovery_large_goal_3_3")
    assert list(member) == ["experts_large", "kwindows_large", "learn_reward_large_mmd_gauss", "evaluate_large"]
    kwindows = member["kwindows_large"].outs
    for loss in ("mse", "mmd_matern"):
        learn = stages[f"learn_reward_large_{loss}"]
        assert set(kwindows) & set(learn.deps)  # the member's expert windows, not copies of them
        assert " --borrows " in learn.cmd and "variants.recovery_large_goal_3_3" in learn.params
    evaluate = stages["evaluate_large"]
    assert evaluate.cmd.endswith("--methods base true mse mmd_matern")
    assert not any("/variants/recovery_large_goal_3_3/rewards" in dep for dep in evaluate.deps)


def test_an_extension_has_its_members_settings_and_no_overlay_of_its_own():
    raw_default = compose("default")
    extension = variant_params(raw_default, "recovery_goal_2_3_other_losses")
    assert extension == variant_params(raw_default, "recovery_goal_2_3")
    with_overlay = deep_merge(raw_default, {"variants": {"recovery_goal_2_3_other_losses": {"true_reward": {}}}})
    with pytest.raises(ParameterError, match="recovery_goal_2_3_other_losses: it extends 'recovery_goal_2_3'"):
        validate_variants(with_overlay)


def test_each_convention_re_runs_only_what_its_one_setting_reaches():
    learn = [f"learn_reward_umaze_{loss}" for loss in paths.LOSSES]
    # the guide's units and the frame move the experts (made by true-reward guidance) and all after them
    for name in ("published_guide_units", "published_frame"):
        assert list(stages_of(name)) == ["experts_umaze", "kwindows_umaze", *learn, "evaluate_umaze"]
    assert list(stages_of("published_loss_units")) == [*learn, "evaluate_umaze"]
    assert list(stages_of("published_matern_estimator")) == ["learn_reward_umaze_mmd_matern", "evaluate_umaze"]
    assert list(stages_of("published_shaped_erc")) == ["evaluate_baselines_umaze"]
    everything = stages_of("published_conventions")
    for maze in ("umaze", "large"):  # the baselines log the true reward, so they re-train on its new constant
        assert {f"evaluate_{maze}", f"evaluate_baselines_{maze}", f"train_baseline_{maze}_airl"} <= set(everything)
    assert not any("halfcheetah" in name for name in everything)


def test_each_convention_changes_the_one_setting_it_names():
    raw_default = compose("default")
    study = validate_params(raw_default)
    changed = {
        "published_guide_units": ("true_reward", "umaze", "guide_units"),
        "published_frame": ("true_reward", "umaze", "constant"),
        "published_loss_units": ("reward_learning", "umaze", "loss_units"),
        "published_matern_estimator": ("reward_learning", "umaze", "mmd_unbiased"),
        "published_shaped_erc": ("evaluation", "umaze", "airl_erc_reward"),
    }
    for name, (section, environment, key) in changed.items():
        variant = variant_params(raw_default, name)
        for other in ("true_reward", "reward_learning", "evaluation", "experts", "baselines"):
            ours, theirs = getattr(study, other), getattr(variant, other)
            for env in ("umaze", "large", "halfcheetah"):
                if not hasattr(ours, env):
                    continue
                a, b = getattr(ours, env).model_dump(), getattr(theirs, env).model_dump()
                if (other, env) == (section, environment):
                    assert a[key] != b[key], name
                    a.pop(key), b.pop(key)
                assert a == b, (name, other, env)
    matern = variant_params(raw_default, "published_matern_estimator").reward_learning.umaze
    assert matern.mmd_unbiased == {"gaussian": False, "matern": True}
    conventions = variant_params(raw_default, "published_conventions")
    for maze in ("umaze", "large"):
        assert getattr(conventions.true_reward, maze).guide_units == "normalised"
        assert getattr(conventions.true_reward, maze).constant == -2.0
        assert getattr(conventions.reward_learning, maze).loss_units == "raw"
        assert getattr(conventions.evaluation, maze).airl_erc_reward == "shaped"


@pytest.mark.parametrize(
    ("overlay", "key"),
    [
        ({"evaluation": {"umaze": {"airl_erc_reward": "both"}}}, "evaluation.umaze.airl_erc_reward"),
        ({"true_reward": {"umaze": {"guide_units": "cells"}}}, "true_reward.umaze.guide_units"),
        ({"reward_learning": {"umaze": {"loss_units": "metres"}}}, "reward_learning.umaze.loss_units"),
    ],
)
def test_a_bad_convention_value_is_one_line_naming_its_key(overlay, key):
    raw = deep_merge(compose("smoke"), {"variants": {"published_conventions": overlay}})
    with pytest.raises(ParameterError) as error:
        variant_params(raw, "published_conventions")
    assert key in str(error.value) and "\n" not in str(error.value).strip()


def test_the_conventions_target_is_outside_the_study_and_the_remedies():
    study = {s.name for s in dag.target_stages("study")}
    remedies = {s.name for s in dag.target_stages("remedies")}
    conventions = {s.name for s in dag.target_stages("conventions")}
    assert "conventions_table" in conventions and "conventions_table" not in study | remedies
    assert not any(name.startswith("published_") for name in study | remedies)
    assert str(paths.CONVENTIONS) in dag.final_targets("conventions")
    compare = {s.name for s in dag.target_stages("compare")}
    recovery = {s.name for target in ("recovery", "recovery_full") for s in dag.target_stages(target)}
    probe = {s.name for s in dag.target_stages("probe")}
    transfer = {s.name for target in ("transfer", "transfer_full") for s in dag.target_stages(target)}
    everything = {s.name for s in dag.pipeline_stages()}
    assert study | remedies | conventions | compare | recovery | transfer | probe == everything


def test_the_recovery_target_reuses_the_study_and_re_runs_each_members_chain_alone():
    study = {s.name for s in dag.target_stages("study")}
    recovery = {s.name for s in dag.target_stages("recovery")}
    own = recovery - study
    assert {"recovery_table", "recovery_controls_umaze"} <= own
    assert str(paths.RECOVERY) in dag.final_targets("recovery")
    for variant in in_group("recovery"):
        names = {name for name in own if name.startswith(f"{variant.name}__")}
        learnt = {f"{variant.name}__learn_reward_umaze_{loss}" for loss in variant.losses}
        if "true_reward.umaze" in variant.changes:  # a member of its own: experts that follow its reward
            expected = {f"{variant.name}__{stage}" for stage in ("experts_umaze", "kwindows_umaze", "evaluate_umaze")}
        else:  # the study's reward learnt another way: the study's experts
            expected = {f"{variant.name}__evaluate_umaze"}
        assert names == expected | learnt
    # nothing of the study, the remedies or the conventions re-runs for it
    assert not own & ({s.name for g in ("remedies", "conventions") for s in dag.target_stages(g)} | study)


def test_the_full_recovery_target_learns_every_member_of_both_mazes_with_every_loss():
    core = {s.name for s in dag.target_stages("recovery")}
    full = {s.name for s in dag.target_stages("recovery_full")}
    assert core - {"recovery_table"} < full and "recovery_full_table" not in core
    assert dag.final_stages("recovery_full") == ["recovery_full_table"]
    assert not any(name.startswith(("recovery_large_", "recovery_edge_n")) or "other_losses" in name for name in core)
    table = next(s for s in dag.pipeline_stages() if s.name == "recovery_full_table")
    assert table.cmd == "python stages/recovery.py full" and str(paths.recovery_outputs("full")[0]) in table.outs
    for environment, members in RECOVERY_MEMBERS.items():
        assert len(members) == 11  # four corners and four edge midpoints (the thesis's corner is the study's), 4 goals
        for member in ["per_step", *members]:
            name = f"recovery_{member}" if environment == "umaze" else f"recovery_{environment}_{member}"
            learnt = {
                dep
                for dep in table.deps
                for variant in (name, name + "_other_losses")
                if dep.startswith(f"data/variants/{variant}/rewards/{environment}/")
            }
            assert {Path(dep).stem for dep in learnt} == set(paths.LOSSES), name
    assert {"recovery_controls_large", "recovery_baselines_large", "learn_relative_large"} <= full
    assert not {s.name for s in dag.target_stages("all")} & {"recovery_full_table", "recovery_controls_large"}


def test_the_transfer_target_reuses_the_study_and_trains_only_the_rewards_it_hands_over():
    study = {s.name for s in dag.target_stages("study")}
    own = {s.name for s in dag.target_stages("transfer")} - study
    per_step = {f"recovery_per_step__learn_reward_umaze_{loss}" for loss in paths.LOSSES}
    learners = {"transfer_diffcps_umaze", "transfer_td3_bc_umaze"}
    steering = {"transfer_diffuser_umaze", "transfer_steering_umaze"}
    relative = {"train_expert_diffuser_umaze", "learn_relative_umaze"}  # make compare's, for the relative reward
    # not the per-step variant's own evaluation, nor anything of the recovery table
    assert own == per_step | relative | learners | steering | {"transfer_table"}
    assert dag.final_stages("transfer") == ["transfer_table"]


def test_the_full_transfer_target_adds_the_large_maze_and_halfcheetah_on_their_per_step_rewards():
    core = {s.name for s in dag.target_stages("transfer")}
    full = {s.name for s in dag.target_stages("transfer_full")}
    large = {f"transfer_{kind}_large" for kind in ("diffcps", "td3_bc", "diffuser", "steering")}
    halfcheetah = {f"transfer_{kind}_halfcheetah" for kind in ("diffcps", "td3_bc")}
    assert large | halfcheetah <= full and not (large | halfcheetah) & core and core - {"transfer_table"} < full
    # HalfCheetah's true reward is the simulator's: nothing to pair a steered diffuser with
    assert not {"transfer_diffuser_halfcheetah", "transfer_steering_halfcheetah"} & full
    per_step = {f"recovery_large_per_step__learn_reward_large_{loss}" for loss in paths.LOSSES}
    per_step |= {f"halfcheetah_per_step__learn_reward_halfcheetah_{loss}" for loss in paths.LOSSES}
    assert per_step <= full and not any(name.startswith("recovery_large_corner") for name in full)
    table = next(s for s in dag.pipeline_stages() if s.name == "transfer_full_table")
    assert table.cmd == "python stages/transfer.py full" and str(paths.transfer_outputs("full")[0]) in table.outs
    environments = ("umaze", "large", "halfcheetah")
    assert {str(paths.transfer_metrics(env, "td3_bc")) for env in environments} <= set(table.deps)
    assert str(paths.transfer_steering_metrics("halfcheetah")) not in table.deps
    everything_but_full = {s.name for s in dag.target_stages("all")}
    assert not everything_but_full & {"transfer_full_table", "transfer_diffcps_large", "transfer_td3_bc_halfcheetah"}
    assert not any(name.startswith("halfcheetah_per_step") for name in everything_but_full)


def test_halfcheetahs_learners_train_on_the_thesiss_erc_mix_of_medium_replay_and_expert_data():
    stage = next(s for s in dag.pipeline_stages() if s.name == "transfer_diffcps_halfcheetah")
    data = {str(paths.dataset_file("halfcheetah", split)) for split in ("medium-replay", "expert")}
    assert data <= set(stage.deps) and str(paths.dataset_file("halfcheetah", "medium")) not in stage.deps
    per_step = paths.variant_path("halfcheetah_per_step", paths.learnt_reward("halfcheetah", "mse"))
    assert str(per_step) in stage.deps


def test_the_comparison_target_is_outside_the_study_and_reuses_its_outputs():
    study = {s.name for s in dag.target_stages("study")}
    compare = {s.name for s in dag.target_stages("compare")}
    own = compare - study
    assert {"train_expert_diffuser_umaze", "learn_relative_large", "comparison_halfcheetah"} <= own
    assert "evaluate_umaze" in compare and "report" not in compare  # the study's evaluation, not its report
    assert dag.final_stages("compare") == ["comparison_report"]


def test_the_remedies_target_is_outside_the_study_and_everything_holds_both():
    study = {s.name for s in dag.target_stages("study")}
    remedies = {s.name for s in dag.target_stages("remedies")}
    everything = {s.name for s in dag.target_stages("all")}
    assert "remedies_table" not in study and not any("__" in name for name in study)
    assert "remedies_table" in remedies and "evaluate_large" in remedies and "report" not in remedies
    others = {
        s.name
        for target in ("conventions", "compare", "recovery", "transfer", "probe")
        for s in dag.target_stages(target)
    }
    assert study | remedies | others == everything  # all but the paper-sized recovery_full
    remedies_table = str(paths.REMEDIES)
    assert remedies_table in dag.final_targets("remedies") and remedies_table not in dag.final_targets("study")


def test_a_variant_names_its_own_files_and_resume_state_and_the_study_its_own():
    experts, model = paths.experts_file("large"), paths.diffuser_model("large")
    try:
        paths.use_variant("physical_experts", dag.variant_redirections(get_variant("physical_experts")))
        assert paths.experts_file("large") == paths.variant_path("physical_experts", experts)
        assert paths.diffuser_model("large") == model  # not re-run: the study's
        assert str(paths.reward_checkpoint("large", "mse")).startswith("data/variants/physical_experts/")
    finally:
        paths.use_variant(None)
    assert paths.experts_file("large") == experts


def test_a_variant_stage_is_told_its_own_files_by_the_dag_and_reads_the_rest_from_the_study():
    stages = stages_of("physical_experts")
    learn = stages["learn_reward_large_mse"]
    owned = learn.cmd.split(" --owns ")[1].split(" --")[0].split()
    assert str(paths.expert_windows_file("large")) in owned  # re-made by the variant
    assert str(paths.learnt_reward("large", "mse")) in owned
    assert str(paths.diffuser_model("large")) not in owned and str(paths.diffuser_model("large")) in learn.deps
    for path in owned:
        assert str(paths.variant_path("physical_experts", path)) in (*learn.deps, *learn.all_outputs)
    evaluate = stages["evaluate_large"]
    assert evaluate.cmd.endswith(" --methods base mse mmd_gauss mmd_matern")  # the Large Maze has no true guide
    assert stages_of("published_guide_units")["evaluate_umaze"].cmd.endswith(
        " --methods base true mse mmd_gauss mmd_matern"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--variant", "physical_experts"], "needs --may-change and --owns as the DAG declares them"),
        (["--owns", "data/experts/large.npz"], "--owns belong to a variant's run; --variant is missing"),
        (
            ["--variant", "physical_experts", "--may-change", "experts.umaze", "--owns", "data/experts/large.npz"],
            "variants.physical_experts.experts.large",  # its overlay changes what this declaration does not
        ),
        (
            ["--variant", "physical_experts", "--may-change", "experts.large", "--owns", "x", "--borrows", "y"],
            "--borrows belongs to the run of a variant that extends another; --extends is missing",
        ),
    ],
)
def test_a_variant_run_without_its_declaration_refuses_before_any_work(root, arguments, message):
    result = subprocess.run(
        [sys.executable, "stages/experts.py", "large", *arguments], cwd=root, capture_output=True, text=True
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last


def test_an_extensions_run_names_its_own_files_and_reads_its_members():
    extension = get_variant("recovery_corner_sw_other_losses")
    own, borrowed = dag.variant_redirections(extension), dag.variant_redirections(get_variant("recovery_corner_sw"))
    windows, mse = paths.expert_windows_file("umaze"), paths.learnt_reward("umaze", "mse")
    try:
        paths.use_variant(extension.name, own, borrowed, extends="recovery_corner_sw")
        assert paths.expert_windows_file("umaze") == paths.variant_path("recovery_corner_sw", windows)
        assert paths.learnt_reward("umaze", "mse") == paths.variant_path(extension.name, mse)
        assert "variants" not in str(paths.diffuser_model("umaze"))  # the study's
    finally:
        paths.use_variant(None)


def test_a_step_conditioned_reward_reads_the_step_and_keeps_it_when_saved(tmp_path):
    torch.manual_seed(0)
    plans = torch.randn(5, 4, 3)
    blind, conditioned = RewardMLP(4, 3, [8]), RewardMLP(4, 3, [8], step_embedding_dim=6)
    steps = torch.full((5,), 7)
    assert torch.equal(blind(plans, steps), blind(plans))
    assert not torch.allclose(conditioned(plans, steps), conditioned(plans, torch.zeros(5, dtype=torch.long)))
    assert torch.equal(conditioned(plans), conditioned(plans, torch.zeros(5, dtype=torch.long)))  # clean: step 0
    conditioned.save(tmp_path / "r.pt")
    loaded = RewardMLP.load(tmp_path / "r.pt")
    assert loaded.step_embedding_dim == 6
    torch.testing.assert_close(loaded(plans, steps), conditioned(plans, steps))
    with pytest.raises(ValueError, match="even"):
        RewardMLP(4, 3, [8], step_embedding_dim=5)


def test_goal_rollouts_follow_the_simulator_where_goal_plans_do_not(tmp_path):
    spec = get_environment("large")
    trained = tiny_trained(tmp_path, "large", 4, 2)
    cells = dict(start_cells=[(1, 1), (5, 1)], goal_cell=(7, 10), seeds=[0])
    rollouts = goal_rollout_experts(
        trained, spec, ExpertSettings(procedure="goal_rollouts", length=6, **cells), progress=False
    )
    plans = goal_plan_experts(trained, spec, ExpertSettings(procedure="goal_plans", length=4, **cells))
    assert rollouts.kind == "rollout" and rollouts.trajectories.shape == (2, 6, 6)
    rollout_error = dynamics_errors(spec, rollouts.trajectories[..., :2], rollouts.trajectories[..., 2:])
    plan_error = dynamics_errors(spec, plans.trajectories[..., :2], plans.trajectories[..., 2:])
    assert rollout_error.max() < 1e-8 < plan_error.mean()


def test_the_remedies_table_pairs_each_learnt_reward_with_its_own_base():
    rng = np.random.default_rng(0)
    base = rng.normal(10, 1, 32)
    metrics = {
        "base": {"returns": base.tolist()},
        "mse": {"returns": (base + 2 + rng.normal(0, 0.1, 32)).tolist(), "erc": 0.4},
        "mmd_gauss": {"returns": (base - 0.01 * rng.normal(0, 1, 32)).tolist(), "erc": 0.5},
        "mmd_matern": {"returns": (base - 3).tolist(), "erc": 0.6},
    }
    training = {
        "mse": {"epochs": 3, "first_loss": 1.0, "final_loss": 0.5},
        "mmd_gauss": {"epochs": 3, "first_loss": 1.0, "final_loss": 3.0},
        "mmd_matern": {"epochs": 3, "first_loss": 1.0, "final_loss": float("nan")},
    }
    rows = {
        r["loss"]: r
        for r in remedy_rows(get_variant("physical_experts"), "large", metrics, training, metrics, 0.95, (0.0, 0.25))
    }
    assert rows["mse"]["expert_dynamics_error"] == 0.0 and rows["mse"]["study_expert_dynamics_error"] == 0.25
    assert rows["mse"]["beats_base"] and 1.9 < rows["mse"]["lift_low"] < rows["mse"]["lift_high"] < 2.1
    assert not rows["mmd_gauss"]["beats_base"] and rows["mmd_gauss"]["diverged"]
    assert rows["mmd_matern"]["lift_mean"] == pytest.approx(-3) and rows["mmd_matern"]["diverged"]
    assert rows["mse"]["loss_change"] == pytest.approx(-0.5) and not rows["mse"]["diverged"]
    assert rows["mse"]["statistic"] == "return" and rows["mse"]["study_lift_mean"] == pytest.approx(2, abs=0.1)


def test_each_variant_is_a_snakemake_target_of_its_own(root):
    from tests.test_dag import snakemake_plan

    planned = set(snakemake_plan(root, "step_conditioned_reward"))
    own = {name for name in planned if name.startswith("step_conditioned_reward__")}
    assert own == {f"step_conditioned_reward__{name}" for name in stages_of("step_conditioned_reward")}
    assert not any(name.startswith(("physical_experts__", "long_horizon__")) for name in planned)
    assert "remedies_table" not in planned and "evaluate_halfcheetah" not in planned
