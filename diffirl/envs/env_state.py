"""The state of a running environment, captured and restored mid-episode for exact resume.

Gymnasium environments pickle by re-running their constructor, so a resumed training run
must put back what an episode in progress holds: each MuJoCo simulator's state (with the
solver's warm start, so the next step is bit-identical), every random generator, the
step counters of the time limits, the maze's goal, and the episode's rewards so far in a
Monitor.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

_SIMULATOR_FIELDS = ("qpos", "qvel", "act", "ctrl", "qacc_warmstart")


def _layers(env) -> list:
    """Every object in ``env``'s stack: wrappers, the environment, and environments held inside it."""
    layers, pending = [], [env]
    while pending:
        layer = pending.pop(0)
        layers.append(layer)
        for inner in ("env", "maze_env", "point_env"):
            if isinstance(getattr(layer, inner, None), gym.Env) and inner in vars(layer):
                pending.append(getattr(layer, inner))
    return layers


def capture_env(env) -> list[dict]:
    states = []
    for layer in _layers(env):
        state: dict = {}
        if getattr(layer, "_np_random", None) is not None:
            state["rng"] = layer._np_random.bit_generator.state
        for counter in ("_elapsed_steps", "_elapsed"):  # TimeLimit's, PointMazeState's
            if counter in vars(layer):
                state[counter] = getattr(layer, counter)
        if "data" in vars(layer) and hasattr(layer.data, "qacc_warmstart"):
            state["simulator"] = {name: getattr(layer.data, name).copy() for name in _SIMULATOR_FIELDS}
            state["simulator"]["time"] = layer.data.time
        if isinstance(vars(layer).get("goal"), np.ndarray):
            state["goal"] = layer.goal.copy()
        if "needs_reset" in vars(layer):  # stable-baselines3's Monitor
            state["monitor"] = {"rewards": list(layer.rewards), "needs_reset": layer.needs_reset}
        states.append(state)
    return states


def restore_env(env, states: list[dict]) -> None:
    """Put back what :func:`capture_env` took from an environment built the same way (and reset once)."""
    layers = _layers(env)
    if len(layers) != len(states):
        raise ValueError(f"environment stack has {len(layers)} layers, the saved state {len(states)}")
    for layer, state in zip(layers, states):
        if "rng" in state:
            if layer._np_random is None:
                layer._np_random = np.random.Generator(np.random.PCG64())
            layer._np_random.bit_generator.state = state["rng"]
        for counter in ("_elapsed_steps", "_elapsed"):
            if counter in state:
                setattr(layer, counter, state[counter])
        if "simulator" in state:
            import mujoco

            saved = state["simulator"]
            layer.data.qpos[:], layer.data.qvel[:] = saved["qpos"], saved["qvel"]
            layer.data.act[:], layer.data.ctrl[:] = saved["act"], saved["ctrl"]
            layer.data.time = saved["time"]
            mujoco.mj_forward(layer.model, layer.data)
            layer.data.qacc_warmstart[:] = saved["qacc_warmstart"]
        if "goal" in state:
            layer.goal = state["goal"].copy()
        if "monitor" in state:
            layer.rewards = list(state["monitor"]["rewards"])
            layer.needs_reset = state["monitor"]["needs_reset"]
