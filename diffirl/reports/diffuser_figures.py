"""The diffuser's training figures: its loss curve, and samples early and late in training."""

from __future__ import annotations

import numpy as np
import torch

from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.envs.maze import MazeLayout
from diffirl.planning.rollouts import plan
from diffirl.reports.maze_plots import plt, trajectory_grid


def loss_curve_figure(log: list[dict], title: str):
    steps = np.array([row["step"] for row in log])
    losses = np.array([row["loss"] for row in log])
    window = max(1, len(losses) // 100)
    smoothed = np.convolve(losses, np.ones(window) / window, mode="valid")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(steps, losses, color="0.8", linewidth=0.5, label="per step")
    ax.plot(steps[window - 1 :], smoothed, color="C0", label=f"mean of {window}")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("diffusion loss")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def samples_figure(
    early: TrainedDiffuser,
    late: TrainedDiffuser,
    maze: MazeLayout,
    starts: np.ndarray,
    early_step: int,
    late_step: int,
    title: str,
    seed: int,
):
    """Plans from the same start states by the early and the final model, on the maze."""
    panels, titles = [], []
    for model, step in ((early, early_step), (late, late_step)):
        _, observations = plan(model, starts, generator=torch.Generator(device=model.device).manual_seed(seed))
        panels += [o[:, :2] for o in observations]
        titles += [f"step {step}"] * len(starts)
    return trajectory_grid(maze, panels, title, columns=len(starts), panel_titles=titles)
