import signal
import subprocess
import sys
import time

import torch

from diffirl.data.sac_generation import choose_medium


def test_medium_is_the_checkpoint_nearest_the_target_return():
    checkpoints = [{"step": 1000, "return": 100.0}, {"step": 2000, "return": 1400.0}, {"step": 3000, "return": 3000.0}]
    assert choose_medium(checkpoints, 0.33 * 4000)["step"] == 2000
    assert choose_medium(checkpoints, 0.0)["step"] == 1000


def test_ties_go_to_the_earlier_checkpoint():
    checkpoints = [{"step": 2000, "return": 10.0}, {"step": 1000, "return": 10.0}]
    assert choose_medium(checkpoints, 10.0)["step"] == 1000


# --- resume after kill -9 ------------------------------------------------------------------------
TRAIN_SCRIPT = """
import sys, torch
from pathlib import Path
from diffirl.data.sac_generation import train_sac
from diffirl.envs import get_environment
from diffirl.params.schema import SacGeneration

settings = SacGeneration(
    total_timesteps=900, learning_starts=100, batch_size=32, learning_rate=3e-4, gamma=0.99,
    net_arch=[16, 16], checkpoint_every=150, eval_episodes=1, medium_return_fraction=0.33,
    medium_episodes=1, expert_episodes=1, rollout_envs=1, deterministic_rollouts=False, torch_threads=1,
)
model, checkpoints, resumed_from = train_sac(get_environment("halfcheetah"), settings, 0, Path(sys.argv[1]), False)
buffer = model.replay_buffer
torch.save({"policy": model.policy.state_dict(), "log_ent_coef": model.log_ent_coef.detach(),
            "observations": buffer.observations[: buffer.pos].copy(), "rewards": buffer.rewards[: buffer.pos].copy(),
            "returns": [c["return"] for c in checkpoints], "resumed_from": resumed_from}, sys.argv[2])
"""


def _train(tmp_path, checkpoint, result):
    return subprocess.Popen(
        [sys.executable, "-c", TRAIN_SCRIPT, str(checkpoint), str(result)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(process):
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output[-3000:]


def test_sac_killed_part_way_resumes_to_the_same_policy_and_replay_buffer(tmp_path):
    _finish(_train(tmp_path, tmp_path / "uninterrupted.pt", tmp_path / "uninterrupted_result.pt"))
    checkpoint = tmp_path / "killed.pt"
    process = _train(tmp_path, checkpoint, tmp_path / "never.pt")
    deadline = time.monotonic() + 600
    while not checkpoint.exists():  # the checkpoint at step 150, 300, ...: mid-episode (1000 steps)
        assert process.poll() is None and time.monotonic() < deadline, "the run ended before its first checkpoint"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "never.pt").exists()
    _finish(_train(tmp_path, checkpoint, tmp_path / "resumed_result.pt"))

    uninterrupted = torch.load(tmp_path / "uninterrupted_result.pt", weights_only=False)
    resumed = torch.load(tmp_path / "resumed_result.pt", weights_only=False)
    assert uninterrupted["resumed_from"] == 0 and 0 < resumed["resumed_from"] < 900
    assert resumed["returns"] == uninterrupted["returns"]
    assert (resumed["observations"] == uninterrupted["observations"]).all()
    assert (resumed["rewards"] == uninterrupted["rewards"]).all()
    assert resumed["log_ent_coef"].item() == uninterrupted["log_ent_coef"].item()
    for name, weights in uninterrupted["policy"].items():
        assert torch.equal(resumed["policy"][name], weights), name
