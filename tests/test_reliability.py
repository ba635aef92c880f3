"""Trustworthy reruns: bad settings refused before any work, corrupt data refused, stale
checkpoints discarded with a reason, byte-identical model files, readable outputs, replayable rollouts."""

import os
import stat
import subprocess
import sys

import numpy as np
import pytest
import torch

from diffirl.checkpoints import fingerprint, load_checkpoint, save_checkpoint
from diffirl.data.format import DatasetError, provenance, read_dataset, write_datasets
from diffirl.envs import get_environment
from diffirl.envs.simulators import make_env, set_state, state_of
from diffirl.io import stage_outputs, write_json, write_text, write_torch, written
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.params import ParameterError, load_params
from diffirl.params.load import validate_params
from diffirl.params.scale import compose
from tests.test_diffusion import sine_dataset

#: (dotted key, bad value, what the message must say besides the key)
BAD_EDITS = [
    ("datasets.umaze.source", "http", "'http'"),
    ("experts.umaze.execute", "teleport", "'teleport'"),
    ("evaluation.umaze.execute", "first_action", "'first_action'"),
    ("experts.umaze.dwell_steps", 0, "0"),
    ("baselines.umaze.demonstrations", "expert_episodes", "needs an expert dataset split"),
    ("baselines.halfcheetah.demonstrations", "all_of_them", "'all_of_them'"),
    ("experts.umaze.replan_every", 64, "must be below diffusers.umaze.horizon"),
    ("datasets.umaze.seed", -1, "-1"),
    ("datasets.umaze.generate.n_transitions", 0, "0"),
    ("datasets.umaze.generate.episode_length", 1, "1"),
    ("datasets.large.generate.episode_length", 10**9, "exceeds n_transitions"),
    ("datasets.umaze.generate.waypoint_jitter", 0.5, "0.5"),
    ("datasets.umaze.generate.d_gain", 1.0, "1.0"),
    ("datasets.umaze.generate.action_noise", -0.1, "-0.1"),
    ("datasets.umaze.d4rl.base.url", "not a url", "'not a url'"),
    ("datasets.umaze.d4rl.base.sha256", "abc", "'abc'"),
    ("datasets.halfcheetah.generate.sac.net_arch", [-32], "-32"),
    ("datasets.halfcheetah.generate.ppo.net_arch", [0, 64], "0"),
    ("datasets.halfcheetah.generate.sac.learning_starts", 10**8, "must be below total_timesteps"),
    ("datasets.halfcheetah.generate.ppo.checkpoint_every", 1000, "must be a multiple of n_steps"),
    ("datasets.halfcheetah.generate.algorithm", "td3", "'td3'"),
    ("datasets.halfcheetah.generate.medium_return_fraction", 1.5, "1.5"),
    ("diffusers.umaze.horizon", 1, "1"),
    ("diffusers.umaze.dim_mults", [1, 0], "0"),
    ("diffusers.umaze.dim_mults", [], "[]"),
    ("diffusers.umaze.horizon", 17, "divisible"),
    ("diffusers.umaze.dim", 4, "4"),
    ("diffusers.umaze.normalizer", "minmax", "'minmax'"),
    ("diffusers.umaze.goal_condition_rate", 2.0, "2.0"),
    ("diffusers.umaze.device", "tpu", "'tpu'"),
    ("diffusers.umaze.torch_threads", 0, "0"),
    ("diffusers.umaze.early_sample_step", 10**9, "exceeds n_train_steps"),
    ("guidance.umaze.t_stopgrad", 10**3, "no step would be guided"),
    ("guidance.umaze.scale", -1.0, "-1.0"),
    ("true_reward.umaze.guide_units", "metres", "'metres'"),
    ("experts.umaze.procedure", "dream", "'dream'"),
    ("experts.umaze.start_cells", [], "needs start_cells"),
    ("diffusers.halfcheetah.held_out_fraction", 0.0, "never trained on"),
    ("diffusers.umaze.held_out_fraction", 1.0, "1.0"),
    ("evaluation.large.start_cells", [[1, 1.5], [0, 3]], "evaluation.large.start_cells[1] = [0.0, 3.0] lies in a wall"),
    ("experts.large.start_cells", [[1, 1, 0.5]], "experts.large.start_cells"),
    ("experts.large.length", 10**4, "exceeds diffusers.large.horizon"),
    ("experts.halfcheetah.n_windows", 10**9, "exceeds the 1994 distinct windows"),
    ("kwindows.umaze.k", 0, "0"),
    ("kwindows.umaze.k", 10**4, "exceeds"),
    ("reward_learning.umaze.hidden", [16, 0], "0"),
    ("reward_learning.umaze.matern_nu", 1.0, "1.0"),
    ("reward_learning.umaze.backprop_steps", 0, "0"),
    ("reward_learning.umaze.network_precision", "float8", "'float8'"),
    ("reward_learning.umaze.snapshot_every", 0, "0"),
    ("baselines.umaze.n_envs", 0, "0"),
    ("baselines.umaze.gail.ppo.batch_size", 7, "must divide"),
    ("evaluation.umaze.rollouts_per_start", 0, "0"),
    ("evaluation.umaze.replan_every", 10**4, "exceeds diffusers.umaze.horizon"),
    ("evaluation.umaze.erc_windows", 2, "2"),
    ("table3.gamma", 0.0, "0.0"),
    ("figures.dataset_samples.umaze.window", 10**5, "exceeds datasets.umaze.generate.episode_length"),
    ("figures.dataset_samples.umaze.n_panels", 1000, "1000"),
]


def edited(root, key: str, value):
    raw = compose("smoke", root / "scales")
    *parents, last = key.split(".")
    node = raw
    for part in parents:
        node = node[part]
    node[last] = value
    return raw


@pytest.mark.parametrize("key, value, says", BAD_EDITS, ids=[f"{k}={v!r}" for k, v, _ in BAD_EDITS])
def test_a_bad_edit_is_refused_with_one_short_line_naming_it(root, key, value, says):
    with pytest.raises(ParameterError) as refused:
        validate_params(edited(root, key, value), "params.yaml")
    message = str(refused.value)
    assert "\n" not in message and len(message) < 400, message
    section = key.split(".")[0]
    assert section in message and says in message, message


def test_at_least_forty_bad_edits_are_tried():
    assert len(BAD_EDITS) >= 40


def test_a_key_given_twice_is_an_error(tmp_path):
    (tmp_path / "p.yaml").write_text("scale: smoke\ntable3:\n  gamma: 0.9\n  gamma: 0.99\n")
    with pytest.raises(ParameterError, match="duplicate key 'gamma'"):
        load_params(tmp_path / "p.yaml")


def test_a_dataset_changed_after_it_was_written_is_refused(tmp_path):
    import h5py

    path = tmp_path / "base.hdf5"
    write_datasets([(path, sine_dataset(episodes=2, length=10), provenance("generate", "umaze", "base", {}, 0))])
    read_dataset(path)
    with h5py.File(path, "r+") as file:
        file["observations"][3] = file["observations"][3] + 0.5  # finite garbage: the format check cannot see it
    with pytest.raises(DatasetError, match="does not match the sha256"):
        read_dataset(path)


def test_model_files_are_byte_identical_when_saved_twice(tmp_path):
    torch.manual_seed(0)
    model = RewardMLP(4, 3, [8])
    model.save(tmp_path / "a.pt", {"snapshots": {1: model.state_dict()}})
    model.save(tmp_path / "b.pt", {"snapshots": {1: model.state_dict()}})
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()
    write_torch(tmp_path / "c.pt", {"x": torch.ones(2)})
    write_torch(tmp_path / "sub" / "d.pt", {"x": torch.ones(2)})
    assert (tmp_path / "c.pt").read_bytes() == (tmp_path / "sub" / "d.pt").read_bytes()


def test_outputs_get_the_umask_mode_not_mkstemp_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_json(tmp_path / "m.json", {"a": 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m.json").stat().st_mode) == 0o644


def test_a_checkpoint_of_other_code_is_not_resumed_and_says_so(tmp_path, monkeypatch, capsys):
    identity = fingerprint({"lr": 0.1}, "data-hash")
    save_checkpoint(tmp_path / "c.pt", {"fingerprint": identity, "step": 5})
    assert load_checkpoint(tmp_path / "c.pt", identity)["step"] == 5
    monkeypatch.setattr("diffirl.checkpoints.code_version", lambda: "edited")
    assert load_checkpoint(tmp_path / "c.pt", fingerprint({"lr": 0.1}, "data-hash")) is None
    assert "written under other code" in capsys.readouterr().out
    assert load_checkpoint(tmp_path / "c.pt", fingerprint({"lr": 0.2}, "data-hash")) is None
    assert "settings and data and code" in capsys.readouterr().out


def test_saved_rollouts_replay_to_their_returns(tmp_path):
    """A table's rollouts can be replayed: start state and actions reproduce the states and the return."""
    from diffirl.evaluation import evaluation_reward, save_rollouts
    from diffirl.experts.generation import start_states
    from diffirl.planning.rollouts import planned_rollouts
    from tests.test_planning import tiny_trained

    spec = get_environment("umaze")
    trained = tiny_trained(tmp_path, "umaze", 4, 2)
    rollouts = planned_rollouts(
        trained, spec, start_states(spec, [(1, 1), (3, 3)]), 8, 1, evaluation_reward(spec), progress=False
    )
    save_rollouts(tmp_path / "r.npz", {"base": rollouts}, np.array([0, 1]))
    with np.load(tmp_path / "r.npz") as saved:
        observations, actions = saved["observations_base"], saved["actions_base"]
    env = make_env(spec)
    try:
        for k in range(2):
            env.reset(seed=k)
            set_state(env, spec, observations[k, 0])
            states = [observations[k, 0]]
            for action in actions[k]:
                states.append(state_of(spec, env.step(action)[0]))
            np.testing.assert_allclose(np.array(states), observations[k], atol=1e-9)
            replayed_return = spec.reward(np.array(states)[:-1, :2]).sum()
            assert replayed_return == pytest.approx(rollouts.returns[k])
    finally:
        env.close()


def test_a_stage_that_fails_part_way_leaves_none_of_its_outputs(tmp_path):
    first, second, old = tmp_path / "model.pt", tmp_path / "figure.png", tmp_path / "old.json"
    write_text(old, "from an earlier run")
    with pytest.raises(SystemExit), stage_outputs():
        write_text(first, "new")
        write_json(old, {"rewritten": True})
        write_text(second, "new")
        raise SystemExit("error: the figure failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no new outputs, no stale one, no temporaries


def test_a_stage_that_succeeds_commits_every_output_at_its_end(tmp_path):
    model, checkpoint = tmp_path / "model.pt", tmp_path / "checkpoint.pt"
    with stage_outputs():
        write_text(model, "weights")
        write_torch(checkpoint, {"step": 3}, commit_now=True)
        assert not model.exists() and written(model).read_text() == "weights"  # held back, yet readable
        assert checkpoint.exists()  # resume state is not held back
    assert model.read_text() == "weights" and written(model) == model
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_a_write_after_a_kill_clears_the_killed_runs_temporaries(tmp_path):
    output = tmp_path / "table.csv"
    (tmp_path / ".table.csv.abc123.tmp").write_text("left by kill -9")
    write_text(output, "a\n1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def test_make_scale_does_not_reinstall_after_a_touch_of_unchanged_metadata(root):
    def make_plan() -> str:
        return subprocess.run(["make", "-n", "scale", "SCALE=smoke"], cwd=root, capture_output=True, text=True).stdout

    if "pip install" in make_plan():
        pytest.skip("the environment here is not installed from the current requirements.lock and pyproject.toml")
    for name in ("pyproject.toml", "requirements.lock"):
        os.utime(root / name)  # as a git checkout of the same bytes does
    assert "pip install" not in make_plan()


def test_a_sync_is_skipped_only_while_no_file_of_its_target_changed(tmp_path, monkeypatch):
    from diffirl import dag, sync

    monkeypatch.chdir(tmp_path)
    output = tmp_path / dag.target_stages("study")[0].all_outputs[0]
    write_text(output, "first")
    assert not sync.already_recorded("snakemake", "study")
    sync.note_recorded("snakemake", "study")
    assert sync.already_recorded("snakemake", "study")
    assert not sync.already_recorded("snakemake", "remedies")  # each target keeps its own record
    os.utime(output, ns=(0, 0))  # a touch of the same bytes: Snakemake would look again, so does the sync
    assert not sync.already_recorded("snakemake", "study")


def test_importing_the_simulators_and_the_offline_learners_prints_nothing_into_a_stages_log():
    # the pinned notices packages: farama-notifications 0.0.6 makes gymnasium-robotics print a notice,
    # gym-notices 0.1.0 makes d3rlpy's `import gym` print one
    imported = subprocess.run(
        [sys.executable, "-c", "import diffirl.envs.simulators, diffirl.transfer.td3_bc"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout == "" and imported.stderr == ""
