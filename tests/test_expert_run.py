import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest
import torch

from diffirl.data.expert_run import choose_medium

from .projects import finished, kill_when


def test_medium_is_the_checkpoint_nearest_the_target_return():
    checkpoints = [{"step": 1000, "return": 100.0}, {"step": 2000, "return": 1400.0}, {"step": 3000, "return": 3000.0}]
    assert choose_medium(checkpoints, 0.33 * 4000)["step"] == 2000
    assert choose_medium(checkpoints, 0.0)["step"] == 1000


def test_ties_go_to_the_earlier_checkpoint():
    checkpoints = [{"step": 2000, "return": 10.0}, {"step": 1000, "return": 10.0}]
    assert choose_medium(checkpoints, 10.0)["step"] == 1000


# Both recipes at tiny sizes: 768 steps, a checkpoint every 128 (mid-episode: episodes last 1000).
SETTINGS = """
from diffirl.params.schema import ExpertRunGeneration

def settings(algorithm):
    return ExpertRunGeneration(
        algorithm=algorithm,
        sac=dict(total_timesteps=768, checkpoint_every=128, learning_starts=100, batch_size=32, learning_rate=3e-4,
                 gamma=0.99, net_arch=[16, 16]),
        ppo=dict(total_timesteps=768, checkpoint_every=128, n_steps=64, batch_size=32, n_epochs=2,
                 learning_rate=3e-4, gamma=0.98, gae_lambda=0.92, clip_range=0.1, ent_coef=0.0, vf_coef=0.5,
                 max_grad_norm=0.8, log_std_init=-2.0, net_arch=[16, 16]),
        eval_episodes=1, medium_return_fraction=0.33, medium_episodes=1, expert_episodes=1, rollout_envs=1,
        deterministic_rollouts=False, torch_threads=1,
    )
"""


def test_ppo_records_every_transition_in_the_environments_own_units():
    namespace: dict = {}
    exec(SETTINGS, namespace)
    from diffirl.data.expert_run import train_expert_run
    from diffirl.envs import get_environment

    learner, checkpoints, _ = train_expert_run(
        get_environment("halfcheetah"), namespace["settings"]("ppo"), 3, None, False
    )
    assert [c["step"] for c in checkpoints] == [128, 256, 384, 512, 640, 768]
    collected = learner.collected(300)
    assert len(collected) == 300 and collected.timeouts[-1]  # the cut ends an episode
    env = gym.make("HalfCheetah-v4")
    observation, _ = env.reset(seed=3)  # PPO seeds its one environment with its own seed
    for t in range(300):
        np.testing.assert_allclose(collected.observations[t], observation, rtol=1e-6, atol=1e-6)
        observation, reward, *_ = env.step(collected.actions[t])
        assert collected.rewards[t] == pytest.approx(reward, rel=1e-5, abs=1e-6)  # not normalised
    with pytest.raises(ValueError, match="recorded 768 transitions, 1000 requested"):
        learner.collected(1000)


# --- resume after kill -9 ------------------------------------------------------------------------
TRAIN_SCRIPT = (
    SETTINGS
    + """
import sys, torch
from pathlib import Path
from diffirl.data.expert_run import train_expert_run
from diffirl.envs import get_environment

learner, checkpoints, resumed_from = train_expert_run(
    get_environment("halfcheetah"), settings(sys.argv[1]), 0, Path(sys.argv[2]), False
)
collected = learner.collected(768)
torch.save({"policy": learner.model.policy.state_dict(), "observations": collected.observations,
            "rewards": collected.rewards, "returns": [c["return"] for c in checkpoints],
            "resumed_from": resumed_from}, sys.argv[3])
"""
)


def _train(tmp_path, algorithm, checkpoint, result):
    return subprocess.Popen(
        [sys.executable, "-c", TRAIN_SCRIPT, algorithm, str(checkpoint), str(result)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("algorithm", ["sac", "ppo"])
def test_a_run_killed_part_way_resumes_to_the_same_policy_and_collected_transitions(tmp_path, algorithm):
    finished(_train(tmp_path, algorithm, tmp_path / "uninterrupted.pt", tmp_path / "uninterrupted_result.pt"))
    checkpoint = tmp_path / "killed.pt"
    process = _train(tmp_path, algorithm, checkpoint, tmp_path / "never.pt")
    kill_when(process, checkpoint.exists)
    assert not (tmp_path / "never.pt").exists()
    finished(_train(tmp_path, algorithm, checkpoint, tmp_path / "resumed_result.pt"))

    uninterrupted = torch.load(tmp_path / "uninterrupted_result.pt", weights_only=False)
    resumed = torch.load(tmp_path / "resumed_result.pt", weights_only=False)
    assert uninterrupted["resumed_from"] == 0 and 0 < resumed["resumed_from"] < 768
    assert resumed["returns"] == uninterrupted["returns"]
    assert (resumed["observations"] == uninterrupted["observations"]).all()
    assert (resumed["rewards"] == uninterrupted["rewards"]).all()
    for name, weights in uninterrupted["policy"].items():
        assert torch.equal(resumed["policy"][name], weights), name
