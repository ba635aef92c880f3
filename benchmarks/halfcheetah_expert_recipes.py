"""Which training recipe gives the strongest HalfCheetah expert in the dataset stage's time?

    python benchmarks/halfcheetah_expert_recipes.py RECIPE [--cpu-seconds 800] [--seed 2]

Trains one recipe (stable-baselines3, one torch thread) until its process has used
``--cpu-seconds`` of CPU time, then rolls the final policy out as the dataset stage rolls out
its expert split (10 stochastic episodes) and deterministically (10 episodes), and prints one
JSON line: steps reached, CPU and wall seconds, returns undiscounted and discounted
(gamma 0.99 from each episode's start, as Table 3), and the learning curve (2 deterministic
episodes every ``--eval-every`` steps, outside the budget).

The budget is CPU time, not wall time, so two recipes can run side by side on a busy
2-core machine and each still gets the same amount of computation; the wall time of a
quiet run is about the same. The default, 800 s, is the SAC run inside the
``dataset_halfcheetah`` stage at the default scale (60,000 steps in 13 min 34 s on the
2-core AMD EPYC, logs/dataset_halfcheetah.log of a fresh-clone ``make study``).

Recipes (RECIPES below): the dataset stage's own learners with the default scale's
settings (``datasets.halfcheetah.generate``: SAC, the same with smaller networks, and PPO
with rl-baselines3-zoo's tuned HalfCheetah settings, observation and reward normalisation
included), and TD3 with rl-baselines3-zoo's MuJoCo settings.
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import TD3
from stable_baselines3.common.noise import NormalActionNoise

from diffirl.data.policy_rollouts import rollout_dataset
from diffirl.data.ppo_learner import PpoLearner
from diffirl.data.sac_learner import SacLearner
from diffirl.metrics import discounted_return
from diffirl.params.load import validate_params
from diffirl.params.scale import compose

ENV_ID = "HalfCheetah-v4"
GAMMA = 0.99  # Table 3's discount
#: beyond any budget's reach: SAC's replay buffer and PPO's recorder hold this many steps
UNREACHED_STEPS = 1_024_000


def stage_recipe(algorithm: str):
    """The dataset stage's recipe for ``algorithm`` at the default scale, never ending by itself."""
    generate = validate_params(compose("default")).datasets.halfcheetah.generate
    return getattr(generate, algorithm).model_copy(update={"total_timesteps": UNREACHED_STEPS})


def sac(net_arch: list[int]):
    def build(seed: int) -> SacLearner:
        return SacLearner(ENV_ID, stage_recipe("sac").model_copy(update={"net_arch": net_arch}), seed)

    return build


def ppo(seed: int) -> PpoLearner:
    return PpoLearner(ENV_ID, stage_recipe("ppo"), seed)


class Td3Learner:
    """rl-baselines3-zoo's MuJoCo TD3 settings (the project has no TD3 learner of its own)."""

    def __init__(self, seed: int):
        noise = NormalActionNoise(np.zeros(6), 0.1 * np.ones(6))
        self.model = TD3(
            "MlpPolicy", gym.make(ENV_ID), learning_rate=1e-3, buffer_size=1_000_000, learning_starts=10_000,
            batch_size=256, action_noise=noise, policy_kwargs={"net_arch": [400, 300]}, seed=seed, device="cpu",
            verbose=0,
        )  # fmt: skip

    def policy(self, deterministic: bool):
        return lambda observations: self.model.predict(observations, deterministic=deterministic)[0]


RECIPES = {  # name -> the learner it builds from a seed
    "sac_256": sac([256, 256]),  # the stage's SAC recipe
    "sac_128": sac([128, 128]),
    "sac_64": sac([64, 64]),
    "td3_400_300": Td3Learner,
    "ppo_zoo": ppo,  # the stage's PPO recipe (rl-baselines3-zoo's tuned HalfCheetah, normalised)
}


def returns(learner, deterministic: bool, episodes: int, seed: int) -> dict:
    normaliser = getattr(learner, "normaliser", None)
    if normaliser is not None:  # its running statistics stay as trained while it is scored
        normaliser.training = False
    dataset = rollout_dataset(ENV_ID, learner.policy(deterministic), episodes, episodes, seed)
    if normaliser is not None:
        normaliser.training = True
    undiscounted = dataset.episode_returns()
    discounted = np.array([discounted_return(dataset.rewards[e], GAMMA) for e in dataset.episodes()])
    return {
        "return_mean": float(undiscounted.mean()),
        "return_std": float(undiscounted.std()),
        "discounted_return_mean": float(discounted.mean()),
        "discounted_return_std": float(discounted.std()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("recipe", choices=sorted(RECIPES))
    parser.add_argument("--cpu-seconds", type=float, default=800.0)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--eval-every", type=int, default=10_000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    learner = RECIPES[args.recipe](args.seed)

    curve, cpu_used, wall_start = [], 0.0, time.perf_counter()
    while cpu_used < args.cpu_seconds:
        started = time.process_time()
        learner.model.learn(args.eval_every, reset_num_timesteps=False)
        cpu_used += time.process_time() - started
        evaluation = returns(learner, True, 2, args.seed + 10_000)
        curve.append([learner.model.num_timesteps, round(cpu_used, 1), round(evaluation["return_mean"], 1)])
        print(
            f"{args.recipe}: {learner.model.num_timesteps} steps, {cpu_used:.0f} CPU s, return {curve[-1][2]}",
            flush=True,
        )
    wall = time.perf_counter() - wall_start
    record = {
        "recipe": args.recipe,
        "seed": args.seed,
        "cpu_seconds_budget": args.cpu_seconds,
        "steps": int(learner.model.num_timesteps),
        "cpu_seconds": round(cpu_used, 1),
        "wall_seconds_with_evaluations": round(wall, 1),
        "stochastic": returns(learner, False, 10, args.seed + 20_000),
        "deterministic": returns(learner, True, 10, args.seed + 20_000),
        "curve_steps_cpu_return": curve,
    }
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
