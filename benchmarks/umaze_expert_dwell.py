"""Measurement: do the U-Maze's guided expert rollouts reach the best cell and stay there?

Usage: python benchmarks/umaze_expert_dwell.py [--scale 0.1] [--guide-steps 2] [--t-stopgrad 2]
       [--length 300] [--seeds 0 1 2] [--last-steps 100] [--execute planned_action|next_state]

Runs the experts stage's procedure (the trained default diffuser in data/diffusers/umaze,
guided by the true reward, replanning every step from the experts' start cells) with the
guidance settings given on the command line instead of params.yaml's, and prints, per
start cell and in all, the fraction of the last ``--last-steps`` steps spent in the
reward's best cell, the return per step and the final cell. Nothing is written.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.envs.registry import get_environment
from diffirl.experts.generation import guided_rollout_experts
from diffirl.params.load import load_params
from diffirl.planning.rollouts import EXECUTIONS
from diffirl.rewards.true_reward import best_cell_dwell


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    params = load_params()
    guidance, experts = params.guidance.umaze, params.experts.umaze
    parser.add_argument("--scale", type=float, default=guidance.scale)
    parser.add_argument("--guide-steps", type=int, default=guidance.n_guide_steps)
    parser.add_argument("--t-stopgrad", type=int, default=guidance.t_stopgrad)
    parser.add_argument("--length", type=int, default=experts.length)
    parser.add_argument("--seeds", type=int, nargs="+", default=experts.seeds)
    parser.add_argument("--last-steps", type=int, default=experts.dwell_steps)
    parser.add_argument("--execute", choices=EXECUTIONS, default=experts.execute)
    args = parser.parse_args()

    spec = get_environment("umaze")
    guidance = guidance.model_copy(
        update={"scale": args.scale, "n_guide_steps": args.guide_steps, "t_stopgrad": args.t_stopgrad}
    )
    experts = experts.model_copy(update={"length": args.length, "seeds": args.seeds, "execute": args.execute})
    trained = load_trained_diffuser("umaze", params.diffusers.umaze)
    started = time.perf_counter()
    made = guided_rollout_experts(trained, spec, experts, guidance, progress=False)
    positions = made.trajectories[..., trained.action_dim : trained.action_dim + 2]
    dwell = best_cell_dwell(spec.reward, positions, args.last_steps)
    per_start = {
        str(tuple(experts.start_cells[point])): float(dwell[made.start_point == point].mean())
        for point in np.unique(made.start_point)
    }
    print(
        json.dumps(
            {
                "guidance": guidance.model_dump(),
                "length": args.length,
                "execute": args.execute,
                "seeds": args.seeds,
                "best_cell": spec.reward.best_cell(),
                "dwell_last_steps": args.last_steps,
                "dwell_mean": float(dwell.mean()),
                "dwell_per_start": per_start,
                "dwell_per_trajectory": [round(float(d), 2) for d in dwell],
                "reward_per_step": float(spec.reward(positions).mean()),
                "final_cells": spec.maze.cell_index(positions[:, -1]).tolist(),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
