"""How much work each stage does at given settings: its long loops and their units.

A stage's time is a fixed part (start-up, loading, figures) plus, for each of its long loops
(:mod:`diffirl.work_log`), the loop's units of work times the time one unit takes. This module
counts the units from the settings alone, the same way at the probe's capped settings and at
the full scale, so a unit timed by the probe prices the full scale. The probe checks, for
every loop it times, that this count equals the units the stage reported doing.

Units: an environment step of a simulator; a training step (one batch); a plan (one state's
full sampling chain, however many are drawn side by side); an expert window seen once by the
reward learner; a demonstration transition seen once by behaviour cloning; a timestep of
GAIL's or AIRL's generator; an episode of the HalfCheetah expert policy.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass

from diffirl.envs.registry import ENVIRONMENTS
from diffirl.methods import METHODS, diffuser_methods

#: what one unit of each loop is, for the tables
UNIT_NAMES = {
    "environment step": "one step of the simulator (a rollout batch's steps count once per rollout)",
    "training step": "one optimiser step on one batch",
    "plan": "one state's full denoising chain (a batch of N plans is N)",
    "expert window": "one expert window through the reward learner's chain, forward and backward",
    "transition": "one demonstration transition in one epoch of behaviour cloning",
    "timestep": "one timestep of the adversarial learner's PPO generator, with its discriminator updates",
    "episode": "one 1000-step episode of the expert policy",
}


@dataclass(frozen=True)
class LoopWork:
    loop: str
    unit: str
    units: float


@dataclass(frozen=True)
class StageCall:
    """What a stage's command asks: its script and positional arguments (environment, loss, algorithm)."""

    script: str
    arguments: tuple[str, ...]

    @classmethod
    def parse(cls, command: str) -> StageCall:
        words = shlex.split(command)
        script = words[1].rsplit("/", 1)[-1].removesuffix(".py")
        positional = []
        for word in words[2:]:
            if word.startswith("--"):
                break
            positional.append(word)
        return cls(script, tuple(positional))


def expert_trajectories(params: dict, environment: str) -> int:
    experts = params["experts"][environment]
    if experts["procedure"] == "dataset_windows":
        return experts["n_windows"]
    return len(experts["seeds"]) * len(experts["start_cells"])


def expert_windows(params: dict, environment: str) -> int:
    """The K-windows the reward learner trains on (Algorithm 5: every stride-th window of K steps)."""
    length, kwindows = params["experts"][environment]["length"], params["kwindows"][environment]
    stride = kwindows["stride"] or kwindows["k"]
    per_trajectory = (length - kwindows["k"]) // stride + 1
    return expert_trajectories(params, environment) * per_trajectory


def evaluation_rollouts(params: dict, environment: str) -> int:
    settings = params["evaluation"][environment]
    return max(len(settings["start_cells"]), 1) * settings["rollouts_per_start"]


def evaluated_guides(params: dict, environment: str) -> int:
    """The study's diffuser methods and, per loss, its kept snapshots other than the last (evaluate_diffuser_methods)."""
    methods = len(diffuser_methods(ENVIRONMENTS[environment].has_true_reward_guide))
    learning = params["reward_learning"][environment]
    every = learning.get("snapshot_every")
    snapshots = sum((loss["epochs"] - 1) // every for loss in learning["losses"].values()) if every else 0
    return methods + snapshots


def plans_per_rollout(steps: int, replan_every: int) -> int:
    return math.ceil(steps / replan_every)


def _dataset(params: dict, environment: str) -> list[LoopWork]:
    generate = params["datasets"][environment]["generate"]
    if params["datasets"][environment]["source"] != "generate":
        return []
    if not ENVIRONMENTS[environment].kind.generation_trains_networks:
        return [LoopWork(f"generate {environment}", "environment step", generate["n_transitions"])]
    algorithm = generate["algorithm"]
    recipe = generate[algorithm]
    checkpoints = recipe["total_timesteps"] // recipe["checkpoint_every"]
    episodes = generate["eval_episodes"] * (checkpoints + 1) + generate["medium_episodes"] + generate["expert_episodes"]
    return [
        LoopWork(f"{algorithm.upper()} {environment}", "environment step", recipe["total_timesteps"]),
        LoopWork("policy rollouts", "episode", episodes),
    ]


def _train_diffuser(params: dict, environment: str) -> list[LoopWork]:
    return [LoopWork("train diffuser", "training step", params["diffusers"][environment]["n_train_steps"])]


def _closed_loop(environment: str, rollouts: int, steps: int, replan_every: int) -> list[LoopWork]:
    return [
        LoopWork(f"rollouts {environment}", "environment step", rollouts * steps),
        LoopWork("plans", "plan", rollouts * plans_per_rollout(steps, replan_every)),
    ]


def _diffuser_quality(params: dict, environment: str) -> list[LoopWork]:
    settings = params["diffuser_quality"][environment]
    maze = ENVIRONMENTS[environment].maze is not None
    work = [LoopWork("plans", "plan", settings["n_plans"] * (2 if maze else 1))]
    if settings["n_rollouts"]:
        rollouts = _closed_loop(
            environment, settings["n_rollouts"], settings["rollout_steps"], settings["replan_every"]
        )
        work = [rollouts[0], LoopWork("plans", "plan", work[0].units + rollouts[1].units)]
    return work


def _experts(params: dict, environment: str) -> list[LoopWork]:
    settings = params["experts"][environment]
    trajectories = expert_trajectories(params, environment)
    if settings["procedure"] in ("guided_rollouts", "goal_rollouts"):
        return _closed_loop(environment, trajectories, settings["length"], settings["replan_every"])
    if settings["procedure"] == "goal_plans":
        return [LoopWork("plans", "plan", trajectories)]
    return []


def _learn_reward(params: dict, environment: str, loss: str) -> list[LoopWork]:
    epochs = params["reward_learning"][environment]["losses"][loss]["epochs"]
    return [LoopWork(f"learn reward ({loss})", "expert window", epochs * expert_windows(params, environment))]


def _evaluate(params: dict, environment: str) -> list[LoopWork]:
    settings = params["evaluation"][environment]
    rollouts = evaluated_guides(params, environment) * evaluation_rollouts(params, environment)
    return _closed_loop(environment, rollouts, settings["steps"], settings["replan_every"])


def demonstration_transitions(params: dict, environment: str) -> int:
    baselines, experts = params["baselines"][environment], params["experts"][environment]
    if baselines.get("demonstrations", "experts") == "experts":
        return expert_trajectories(params, environment) * (experts["length"] - 1)
    episode = ENVIRONMENTS[environment].episode_steps
    episodes = math.ceil(experts["n_windows"] * experts["length"] / episode)
    return episodes * (episode - 1)


def _train_baseline(params: dict, environment: str, algorithm: str) -> list[LoopWork]:
    settings = params["baselines"][environment]
    if algorithm == "bc":
        transitions = settings["bc"]["epochs"] * demonstration_transitions(params, environment)
        return [LoopWork("behaviour cloning", "transition", transitions)]
    adversarial = settings[algorithm]
    per_round = adversarial["ppo"]["n_steps"] * settings["n_envs"]
    return [LoopWork("round", "timestep", adversarial["total_timesteps"] // per_round * per_round)]


def _evaluate_baselines(params: dict, environment: str) -> list[LoopWork]:
    policies = sum(1 for m in METHODS.values() if m.family == "baseline")
    rollouts = policies * evaluation_rollouts(params, environment)
    return [
        LoopWork(f"rollouts {environment}", "environment step", rollouts * params["evaluation"][environment]["steps"])
    ]


def _dynamics_error(params: dict, environment: str) -> list[LoopWork]:
    return [LoopWork("plans", "plan", params["dynamics_error"][environment]["n_starts"])]


#: per stage script, its loops' work from (params, positional arguments); scripts not named here
#: do a fixed amount of work (tables, figures, windows) whatever the counts
WORK_BY_SCRIPT = {
    "dataset": _dataset,
    "train_diffuser": _train_diffuser,
    "diffuser_quality": _diffuser_quality,
    "experts": _experts,
    "learn_reward": _learn_reward,
    "evaluate": _evaluate,
    "train_baseline": _train_baseline,
    "evaluate_baselines": _evaluate_baselines,
    "dynamics_error": _dynamics_error,
}


def stage_work(command: str, params: dict) -> list[LoopWork]:
    """The loops of the stage ``command`` runs and their units of work at ``params``."""
    call = StageCall.parse(command)
    count = WORK_BY_SCRIPT.get(call.script)
    return count(params, *call.arguments) if count else []
