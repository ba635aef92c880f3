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

Recipes (RECIPES below): the stage's SAC, the same with smaller networks, TD3 and PPO
with the tuned HalfCheetah settings of rl-baselines3-zoo (observation and reward
normalisation included).
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO, SAC, TD3
from stable_baselines3.common.noise import NormalActionNoise
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

from diffirl.data.policy_rollouts import rollout_dataset
from diffirl.metrics import discounted_return

ENV_ID = "HalfCheetah-v4"
GAMMA = 0.99  # Table 3's discount


def sac(net_arch: list[int]):
    def build(env, seed: int):
        return SAC(
            "MlpPolicy", env, learning_rate=3e-4, buffer_size=1_000_000, learning_starts=5000, batch_size=256,
            gamma=0.99, policy_kwargs={"net_arch": net_arch}, seed=seed, device="cpu", verbose=0,
        )  # fmt: skip

    return build


def td3(env, seed: int):
    """rl-baselines3-zoo's MuJoCo TD3 settings."""
    noise = NormalActionNoise(np.zeros(6), 0.1 * np.ones(6))
    return TD3(
        "MlpPolicy", env, learning_rate=1e-3, buffer_size=1_000_000, learning_starts=10_000, batch_size=256,
        action_noise=noise, policy_kwargs={"net_arch": [400, 300]}, seed=seed, device="cpu", verbose=0,
    )  # fmt: skip


def ppo(env, seed: int):
    """rl-baselines3-zoo's tuned HalfCheetah-v3 PPO (its env is wrapped in VecNormalize below)."""
    return PPO(
        "MlpPolicy", env, n_steps=512, batch_size=64, gamma=0.98, learning_rate=2.0633e-05,
        ent_coef=0.000401762, clip_range=0.1, n_epochs=20, gae_lambda=0.92, max_grad_norm=0.8,
        vf_coef=0.58096, seed=seed, device="cpu", verbose=0,
        policy_kwargs={"log_std_init": -2, "ortho_init": False, "activation_fn": torch.nn.ReLU,
                       "net_arch": {"pi": [256, 256], "vf": [256, 256]}},
    )  # fmt: skip


RECIPES = {  # name -> (builder, normalises observations and rewards)
    "sac_256": (sac([256, 256]), False),  # the dataset stage's recipe
    "sac_128": (sac([128, 128]), False),
    "sac_64": (sac([64, 64]), False),
    "td3_400_300": (td3, False),
    "ppo_zoo": (ppo, True),
}


def policy_of(model, normaliser: VecNormalize | None, deterministic: bool):
    def act(observations: np.ndarray) -> np.ndarray:
        if normaliser is not None:
            observations = normaliser.normalize_obs(observations)
        return model.predict(observations, deterministic=deterministic)[0]

    return act


def returns(model, normaliser, deterministic: bool, episodes: int, seed: int) -> dict:
    dataset = rollout_dataset(ENV_ID, policy_of(model, normaliser, deterministic), episodes, episodes, seed)
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
    build, normalises = RECIPES[args.recipe]
    env = DummyVecEnv([lambda: gym.make(ENV_ID)])
    normaliser = VecNormalize(env, gamma=0.98) if normalises else None
    model = build(normaliser or env, args.seed)

    curve, cpu_used, wall_start = [], 0.0, time.perf_counter()
    while cpu_used < args.cpu_seconds:
        started = time.process_time()
        model.learn(args.eval_every, reset_num_timesteps=False)
        cpu_used += time.process_time() - started
        if normaliser is not None:
            normaliser.training = False
        evaluation = returns(model, normaliser, True, 2, args.seed + 10_000)
        if normaliser is not None:
            normaliser.training = True
        curve.append([model.num_timesteps, round(cpu_used, 1), round(evaluation["return_mean"], 1)])
        print(f"{args.recipe}: {model.num_timesteps} steps, {cpu_used:.0f} CPU s, return {curve[-1][2]}", flush=True)
    wall = time.perf_counter() - wall_start
    if normaliser is not None:
        normaliser.training = False
    record = {
        "recipe": args.recipe,
        "seed": args.seed,
        "cpu_seconds_budget": args.cpu_seconds,
        "steps": int(model.num_timesteps),
        "cpu_seconds": round(cpu_used, 1),
        "wall_seconds_with_evaluations": round(wall, 1),
        "stochastic": returns(model, normaliser, False, 10, args.seed + 20_000),
        "deterministic": returns(model, normaliser, True, 10, args.seed + 20_000),
        "curve_steps_cpu_return": curve,
    }
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
