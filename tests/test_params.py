import subprocess
import sys

import pytest
import yaml

from diffirl.params import ParameterError, load_params
from diffirl.params.load import validate_params
from diffirl.params.scale import SCALES, compose, render
from diffirl.params.scale import main as scale_main


def test_committed_params_yaml_is_the_default_scale(root):
    assert (root / "params.yaml").read_text() == render("default", root / "scales"), "run `make scale SCALE=default`"


@pytest.mark.parametrize("scale", SCALES)
def test_every_scale_validates(root, scale):
    params = validate_params(compose(scale, root / "scales"))
    assert params.scale == scale


@pytest.mark.parametrize("scale", SCALES)
def test_every_scale_learns_rewards_in_float32_as_the_thesis(root, scale):
    params = validate_params(compose(scale, root / "scales"))
    assert {getattr(params.reward_learning, env).network_precision for env in ("umaze", "large", "halfcheetah")} == {
        "float32"
    }


def test_scales_change_sizes_in_the_expected_direction(root):
    sizes = {
        s: validate_params(compose(s, root / "scales")).datasets.halfcheetah.generate.recipe.total_timesteps
        for s in SCALES
    }
    assert sizes["smoke"] < sizes["default"] < sizes["paper"]


def settings(root):
    return compose("smoke", root / "scales")


def test_unknown_key_is_named(root):
    raw = settings(root)
    raw["datasets"]["umaze"]["generate"]["n_transitons"] = 5
    with pytest.raises(ParameterError, match=r"datasets\.umaze\.generate\.n_transitons = 5: unknown key"):
        validate_params(raw)


def test_out_of_range_value_is_named(root):
    raw = settings(root)
    raw["datasets"]["large"]["generate"]["n_transitions"] = -3
    with pytest.raises(ParameterError, match=r"datasets\.large\.generate\.n_transitions = -3: .*greater than 0"):
        validate_params(raw)


def test_wrong_type_is_named(root):
    raw = settings(root)
    raw["table3"]["gamma"] = "high"
    with pytest.raises(ParameterError, match=r"table3\.gamma = 'high'"):
        validate_params(raw)


def test_unknown_source_is_named(root):
    raw = settings(root)
    raw["datasets"]["halfcheetah"]["source"] = "ftp"
    with pytest.raises(ParameterError, match=r"datasets\.halfcheetah\.source = 'ftp'"):
        validate_params(raw)


def test_goal_plans_longer_than_the_horizon_are_refused(root):
    raw = settings(root)
    raw["experts"]["large"]["length"] = raw["diffusers"]["large"]["horizon"] + 1
    with pytest.raises(ParameterError, match=r"experts\.large\.length .* exceeds diffusers\.large\.horizon"):
        validate_params(raw)


def test_every_split_needs_a_remote(root):
    raw = settings(root)
    del raw["datasets"]["halfcheetah"]["d4rl"]["expert"]
    with pytest.raises(ParameterError, match="missing \\['expert'\\]"):
        validate_params(raw)


def test_unknown_environment_section_is_refused(root):
    raw = settings(root)
    raw["datasets"]["hopper"] = raw["datasets"]["halfcheetah"]
    with pytest.raises(ParameterError, match=r"datasets\.hopper"):
        validate_params(raw)


def test_missing_or_broken_file(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        load_params(tmp_path / "none.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [1,\n")
    with pytest.raises(ParameterError, match="not valid YAML"):
        load_params(broken)


def test_scale_switch_writes_a_valid_file_and_refuses_unknown_scales(root, tmp_path, monkeypatch):
    monkeypatch.chdir(root)
    target = tmp_path / "params.yaml"
    scale_main(["smoke", "--params", str(target)])
    assert load_params(target).scale == "smoke"
    scale_main(["paper", "--params", str(target), "--if-different"])
    assert load_params(target).scale == "paper"
    with pytest.raises(SystemExit, match="unknown scale 'huge'"):
        scale_main(["huge", "--params", str(target)])
    assert load_params(target).scale == "paper"


def run_stage(root, *args):
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, timeout=120)


def test_stage_refuses_an_unknown_environment(root):
    result = run_stage(root, "stages/dataset.py", "nowhere")
    assert result.returncode != 0
    assert "unknown environment 'nowhere'" in result.stderr


def test_stage_stops_on_a_bad_parameter_before_doing_any_work(root, tmp_path):
    raw = settings(root)
    raw["datasets"]["umaze"]["generate"]["action_noise"] = -1
    bad = tmp_path / "params.yaml"
    bad.write_text(yaml.safe_dump(raw))
    result = run_stage(root, "stages/dataset.py", "umaze", "--params", str(bad))
    assert result.returncode != 0
    assert "datasets.umaze.generate.action_noise = -1" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "section, key, value, message",
    [
        ("true_reward", ("umaze", "row_weight"), 0.0, None),  # with column_weight 0 below: a constant reward
        ("true_reward", ("large", "guide_units"), "metres", r"true_reward\.large\.guide_units"),
        ("reward_learning", ("umaze", "loss_units"), "pixels", r"reward_learning\.umaze\.loss_units"),
        (
            "reward_learning",
            ("halfcheetah", "gaussian_bandwidth_factors"),
            [1.0, -2.0],
            r"reward_learning\.halfcheetah\.gaussian_bandwidth_factors\.1",
        ),
        (
            "reward_learning",
            ("umaze", "mmd_unbiased"),
            {"gaussian": True},
            "mmd_unbiased must name gaussian and matern",
        ),
        ("evaluation", ("umaze", "confidence"), 1.0, r"evaluation\.umaze\.confidence"),
        ("evaluation", ("large", "steps"), None, r"evaluation\.large\.steps"),
    ],
)
def test_bad_method_and_evaluation_settings_are_named(root, section, key, value, message):
    raw = settings(root)
    raw[section][key[0]][key[1]] = value
    if message is None:
        raw[section][key[0]]["column_weight"] = 0.0
        message = "row_weight and column_weight are both 0"
    with pytest.raises(ParameterError, match=message):
        validate_params(raw)
