"""The comparison's two trainings, killed with SIGKILL after a checkpoint, resume to the weights of an
uninterrupted run (CPU, same seed), in a smoke-scale copy of the project."""

import shutil
import subprocess

import pytest
import torch
import yaml

from diffirl import paths

from .projects import copy_project, run
from .test_interrupted_stages import kill_when

pytestmark = pytest.mark.e2e

STEPS = 60


@pytest.fixture(scope="module")
def prepared(root, tmp_path_factory):
    """A U-Maze with its dataset, base diffuser and experts, and long enough trainings to kill."""
    project = copy_project(root, tmp_path_factory.mktemp("comparison") / "project")
    for stage in ("dataset", "train_diffuser", "experts"):
        run(project, "python", f"stages/{stage}.py", "umaze")
    params = yaml.safe_load((project / "params.yaml").read_text())
    settings = params["relative_reward"]["umaze"]
    settings["expert_diffuser"] |= {"n_train_steps": STEPS, "checkpoint_every": 10}
    settings |= {"training_steps": STEPS, "checkpoint_every": 10}
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    return project


def weights(path):
    return torch.load(path, map_location="cpu", weights_only=True)["weights"]


def killed_then_resumed_equals_uninterrupted(prepared, tmp_path, command, checkpoint, output):
    straight = shutil.copytree(prepared, tmp_path / "straight", symlinks=True)
    interrupted = shutil.copytree(prepared, tmp_path / "interrupted", symlinks=True)
    process = subprocess.Popen(command, cwd=interrupted, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(process, (interrupted / checkpoint).exists)
    killed_at = torch.load(interrupted / checkpoint, map_location="cpu", weights_only=False)["step"]
    assert 0 < killed_at < STEPS, "the run was not killed mid-way"
    assert not (interrupted / output).exists()
    run(interrupted, *command)
    run(straight, *command)
    resumed, uninterrupted = weights(interrupted / output), weights(straight / output)
    assert resumed.keys() == uninterrupted.keys()
    for name, weight in uninterrupted.items():
        assert torch.equal(resumed[name], weight), name


def test_the_expert_diffuser_resumes_after_kill_minus_nine(prepared, tmp_path):
    killed_then_resumed_equals_uninterrupted(
        prepared,
        tmp_path,
        ["python", "stages/train_expert_diffuser.py", "umaze"],
        paths.comparison_checkpoint("umaze", "expert_diffuser"),
        paths.expert_diffuser_model("umaze"),
    )


def test_the_relative_reward_resumes_after_kill_minus_nine(prepared, tmp_path):
    with_expert = shutil.copytree(prepared, tmp_path / "with_expert", symlinks=True)
    run(with_expert, "python", "stages/train_expert_diffuser.py", "umaze")
    killed_then_resumed_equals_uninterrupted(
        with_expert,
        tmp_path,
        ["python", "stages/learn_relative_reward.py", "umaze", "relative"],
        paths.comparison_checkpoint("umaze", "relative"),
        paths.comparison_network("umaze", "relative"),
    )
