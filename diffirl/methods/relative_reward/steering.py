"""Steering the base diffuser with the relative reward: a guidance scale and a stopping step per
method, chosen from a grid on rollouts seeded apart from the evaluation's.

Every compared method runs as one group of a batched chain whose shared guidance has scale 1
and no stopping step (:func:`unit_guidance`); each group's guide carries its own scale, folded
into its value, and returns zero below its own stopping step, so one chain evaluates a whole
grid on common random numbers. The guide steps are the steering's own, not the study's: the
relative reward's gradient stands for a difference of denoising means, a step in the plan's own
units, so it is applied once per chain step and not scaled by the posterior variance (as the
authors' steering does; the study's guides are Diffuser's, which do both).
"""

from __future__ import annotations

import itertools

import torch

from diffirl.diffusion.sampling import Guidance
from diffirl.methods import ByTrainedNetwork, Method
from diffirl.params.schema import EvaluationSettings, SteeringSettings


class Steered(torch.nn.Module):
    """``scale * reward`` from step ``t_stopgrad`` of the chain up, zero below it."""

    def __init__(self, reward: torch.nn.Module, scale: float, t_stopgrad: int):
        super().__init__()
        self.reward, self.scale, self.t_stopgrad = reward, scale, t_stopgrad

    def forward(self, plans: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
        return self.scale * self.reward(plans, steps) * (steps >= self.t_stopgrad).to(plans.dtype)


def unit_guidance(steering: SteeringSettings) -> Guidance:
    """The steering's guide steps and variance scaling, with the scale and stopping step left to each guide."""
    return Guidance(
        scale=1.0, n_guide_steps=steering.n_guide_steps, t_stopgrad=0, scale_grad_by_std=steering.scale_grad_by_std
    )


def grid(steering: SteeringSettings) -> list[tuple[float, int]]:
    return list(itertools.product(steering.scales, steering.t_stopgrads))


def grid_methods(method: Method, steering: SteeringSettings) -> dict[str, tuple[Method, float, int]]:
    """One stand-in method per grid point, named ``NAME@SCALE@T_STOPGRAD``."""
    points = {}
    for scale, t_stopgrad in grid(steering):
        name = f"{method.name}@{scale:g}@{t_stopgrad}"
        points[name] = (
            Method(
                name,
                f"{method.label}, scale {scale:g}, t_stopgrad {t_stopgrad}",
                "diffuser",
                guide=ByTrainedNetwork(),
                in_study=False,
            ),
            scale,
            t_stopgrad,
        )
    return points


def selection_settings(evaluation: EvaluationSettings, steering: SteeringSettings) -> EvaluationSettings:
    """The evaluation's protocol (start points, length, replanning) on the selection's own seeds."""
    return evaluation.model_copy(
        update={"seed": steering.selection_seed, "rollouts_per_start": steering.selection_rollouts_per_start}
    )
