"""Training resumes after kill -9 and ends with the weights of an uninterrupted run (CPU, same seed)."""

import signal
import subprocess
import sys
import time

import torch
import yaml

from diffirl import paths
from diffirl.data.format import make_dataset, provenance, write_datasets
from diffirl.params.scale import compose
from tests.test_diffusion import sine_dataset

STEPS = 600


def workspace(root, directory):
    directory.mkdir()
    params = compose("smoke", root / "scales")
    params["diffusers"]["umaze"].update(
        horizon=8,
        dim=16,
        dim_mults=[1, 2],
        n_diffusion_steps=5,
        n_train_steps=STEPS,
        checkpoint_every=50,
        early_sample_step=50,
        n_figure_samples=1,
    )
    params["kwindows"]["umaze"]["k"] = 4  # K-windows must fit the shortened horizon
    (directory / "params.yaml").write_text(yaml.safe_dump(params))
    dataset = sine_dataset(episodes=4, length=30)
    # a maze-shaped dataset: 2 actions, 4 state dimensions
    maze_like = make_dataset(
        dataset.observations[:, [0, 1, 2, 0]] * 0.5,
        dataset.actions,
        dataset.rewards,
        dataset.terminals,
        dataset.timeouts,
    )
    write_datasets(
        [(directory / paths.dataset_file("umaze", "base"), maze_like, provenance("generate", "umaze", "base", {}, 0))]
    )
    return directory


def train(root, directory):
    return subprocess.Popen(
        [sys.executable, str(root / "stages/train_diffuser.py"), "umaze"],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def final_weights(directory):
    return torch.load(directory / paths.diffuser_model("umaze"), weights_only=False)["weights"]


def test_kill_minus_nine_then_resume_equals_an_uninterrupted_run(root, tmp_path):
    interrupted = workspace(root, tmp_path / "interrupted")
    checkpoint = interrupted / paths.diffuser_checkpoint("umaze")
    process = train(root, interrupted)
    deadline = time.time() + 120
    while not checkpoint.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = torch.load(checkpoint, weights_only=False)["step"]
    assert 0 < killed_at < STEPS, "the run was not killed mid-way"
    assert not (interrupted / paths.diffuser_model("umaze")).exists()

    resumed = train(root, interrupted)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    straight = workspace(root, tmp_path / "straight")
    uninterrupted = train(root, straight)
    assert uninterrupted.wait(timeout=300) == 0, uninterrupted.stderr.read()

    a, b = final_weights(interrupted), final_weights(straight)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    metrics = (interrupted / paths.diffuser_training_log("umaze")).read_text().splitlines()
    assert len(metrics) == STEPS + 1  # header + one row per step, across the kill
    assert metrics[1].startswith("1,") and metrics[-1].startswith(f"{STEPS},")
