"""GAIL and AIRL killed with SIGKILL part-way resume to the policy, reward net and log of an uninterrupted run."""

import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
from pandas.testing import assert_frame_equal

from diffirl.methods.baselines.training import training_statistics

from .projects import finished

TRAIN_SCRIPT = """
import sys
from pathlib import Path

import numpy as np
import torch
from imitation.data.types import Trajectory

from diffirl.methods.baselines.training import train_baseline
from diffirl.envs import get_environment
from diffirl.envs.gym_wrappers import make_policy_env
from diffirl.params.load import validate_params
from diffirl.params.scale import compose

environment, algorithm, checkpoint, result, log_dir, scales = sys.argv[1:]
spec = get_environment(environment)
settings = getattr(validate_params(compose("smoke", Path(scales))).baselines, environment)
ppo = {"n_steps": 16, "batch_size": 16, "n_epochs": 2}
adversarial = getattr(settings, algorithm).model_copy(update={
    "total_timesteps": 1600, "ppo": getattr(settings, algorithm).ppo.model_copy(update=ppo)})
# 24-step episodes and 16-step rounds: most rounds end in the middle of an episode
settings = settings.model_copy(update={"episode_steps": 24, algorithm: adversarial})
env = make_policy_env(spec, 24)
rng = np.random.default_rng(0)
shape = env.observation_space.shape[0], env.action_space.shape[0]
demonstrations = [
    Trajectory(rng.normal(size=(25, shape[0])), rng.uniform(-1, 1, size=(24, shape[1])), None, True) for _ in range(4)
]
trained = train_baseline(spec, settings, algorithm, demonstrations, Path(log_dir), False, Path(checkpoint))
torch.save({"policy": trained.policy.state_dict(), "log": (Path(log_dir) / "progress.csv").read_text()}, result)
"""

SCALES = Path(__file__).resolve().parents[1] / "scales"
CASES = [("umaze", "gail"), ("umaze", "airl"), ("halfcheetah", "airl")]


def _train(tmp_path, name, environment, algorithm, checkpoint):
    log_dir = tmp_path / f"log_{name}"
    log_dir.mkdir()
    command = [sys.executable, "-c", TRAIN_SCRIPT, environment, algorithm, str(checkpoint)]
    return subprocess.Popen(
        [*command, str(tmp_path / f"{name}.pt"), str(log_dir), str(SCALES)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize(("environment", "algorithm"), CASES)
def test_adversarial_training_killed_part_way_resumes_to_the_uninterrupted_result(tmp_path, environment, algorithm):
    finished(_train(tmp_path, "uninterrupted", environment, algorithm, tmp_path / "uninterrupted_state.pt"))
    checkpoint = tmp_path / "state.pt"
    process = _train(tmp_path, "killed", environment, algorithm, checkpoint)
    deadline = time.monotonic() + 600
    while not checkpoint.exists() or torch.load(checkpoint, weights_only=False)["rounds_done"] < 2:
        assert process.poll() is None and time.monotonic() < deadline, "the run ended before its second round"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "killed.pt").exists()
    output = finished(_train(tmp_path, "resumed", environment, algorithm, checkpoint))
    assert "resuming from round" in output

    uninterrupted = torch.load(tmp_path / "uninterrupted.pt", weights_only=False)
    resumed = torch.load(tmp_path / "resumed.pt", weights_only=False)
    for name, weights in uninterrupted["policy"].items():
        assert torch.equal(resumed["policy"][name], weights), name
    # every logged statistic but the wall-clock ones
    assert_frame_equal(_statistics(resumed["log"]), _statistics(uninterrupted["log"]))
    assert len(_statistics(resumed["log"])) == 50


def _statistics(csv_text: str) -> pd.DataFrame:
    return training_statistics(pd.read_csv(io.StringIO(csv_text)))
