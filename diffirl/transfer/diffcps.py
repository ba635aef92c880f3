"""DiffCPS (He et al., 2023): offline RL by constrained policy search with a diffusion policy.

Written from the paper (its Algorithm 2 and Section 4). The policy mu_theta(a | s) is a
conditional DDPM over actions with T steps of the variance-preserving schedule (the paper's
beta_i); the critic is a pair of Q networks with target copies. The constrained problem

    max_mu E[Q(s, a ~ mu)]   subject to   KL(pi_b || mu) <= epsilon

is solved through its Lagrangian: the KL term is replaced by the DDPM loss L_c of the policy on
the dataset's actions (Proposition 1: the cross entropy up to a constant, through the ELBO), so
each policy step minimises

    -Q(s, a) / |Q_target(s, a)|  +  max(lambda_min, lambda) * L_c

with a drawn from the policy through its whole reverse chain, and the multiplier follows
gradient descent on lambda * (kappa - L_c): it grows while the policy's loss on the data is
above the budget kappa and shrinks (never below 0) while it is under it. The policy, the
multiplier and the target networks are updated every ``policy_interval`` critic updates.

Two points the paper leaves open are settled here (`docs/transfer.md` lists them with the rest): the next
action of the critic's target is drawn from the target policy (the paper's algorithm keeps a
target policy and writes mu_theta there), and the Q normaliser is the batch mean of the target
critic's |Q| on the policy's actions, held constant in the gradient.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from diffirl.diffusion.unet import SinusoidalEmbedding


@dataclass(frozen=True)
class DiffCPSSettings:
    """The paper's hyperparameters (Table 3, Appendix); defaults are its MuJoCo settings."""

    diffusion_steps: int = 5
    beta_min: float = 0.1
    beta_max: float = 10.0
    hidden_units: int = 256
    learning_rate: float = 3e-4
    lambda_learning_rate: float = 3e-4
    initial_lambda: float = 1.0
    #: kappa, the budget of the policy's diffusion loss on the data (the KL constraint's epsilon)
    kl_budget: float = 0.06
    #: lambda_clip: the multiplier used in the policy's loss is at least this
    lambda_min: float = 0.0
    #: d: critic updates per policy, multiplier and target update
    policy_interval: int = 2
    discount: float = 0.99
    #: 1 - rho: the target networks move this far towards the trained ones per update
    target_rate: float = 0.005
    batch_size: int = 256


def variance_preserving_betas(steps: int, beta_min: float, beta_max: float) -> torch.Tensor:
    """beta_i = 1 - exp(-beta_min / T - (beta_max - beta_min) (2i - 1) / (2 T^2)), i = 1..T."""
    i = torch.arange(1, steps + 1, dtype=torch.float64)
    return 1 - torch.exp(-beta_min / steps - 0.5 * (beta_max - beta_min) * (2 * i - 1) / steps**2)


def mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    """The paper's networks: three hidden layers of ``hidden`` Mish units."""
    return nn.Sequential(
        nn.Linear(inputs, hidden),
        nn.Mish(),
        nn.Linear(hidden, hidden),
        nn.Mish(),
        nn.Linear(hidden, hidden),
        nn.Mish(),
        nn.Linear(hidden, outputs),
    )


class DiffusionPolicy(nn.Module):
    """mu_theta(a | s): epsilon_theta(a_i, s, i) and the DDPM chain over actions in [-max_action, max_action]."""

    def __init__(self, state_dim: int, action_dim: int, settings: DiffCPSSettings, max_action: float = 1.0):
        super().__init__()
        self.action_dim, self.max_action, self.steps = action_dim, max_action, settings.diffusion_steps
        embedding = 16
        self.step_embedding = nn.Sequential(SinusoidalEmbedding(embedding), nn.Linear(embedding, embedding), nn.Mish())
        self.noise = mlp(action_dim + state_dim + embedding, settings.hidden_units, action_dim)
        betas = variance_preserving_betas(settings.diffusion_steps, settings.beta_min, settings.beta_max)
        alphas = 1 - betas
        alphas_cumprod = torch.cumprod(alphas, dim=0)
        for name, value in {
            "betas": betas,
            "sqrt_alphas_cumprod": alphas_cumprod.sqrt(),
            "sqrt_one_minus_alphas_cumprod": (1 - alphas_cumprod).sqrt(),
            "recip_sqrt_alphas": alphas.rsqrt(),
            "noise_coefficient": betas / (alphas * (1 - alphas_cumprod)).sqrt(),
        }.items():
            self.register_buffer(name, value.float())

    def predicted_noise(self, noisy: torch.Tensor, state: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
        """epsilon_theta(a_i, s, i) for 0-based steps i - 1."""
        return self.noise(torch.cat([noisy, state, self.step_embedding(step.float())], dim=-1))

    def diffusion_loss(self, state: torch.Tensor, action: torch.Tensor, generator=None) -> torch.Tensor:
        """L_c: the DDPM loss on the data's actions, the cross entropy H(pi_b, mu) up to a constant."""
        step = torch.randint(0, self.steps, (len(state),), device=state.device, generator=generator)
        noise = torch.randn(action.shape, device=state.device, generator=generator)
        noisy = self.sqrt_alphas_cumprod[step, None] * action + self.sqrt_one_minus_alphas_cumprod[step, None] * noise
        return ((noise - self.predicted_noise(noisy, state, step)) ** 2).mean()

    def forward(self, state: torch.Tensor, generator=None) -> torch.Tensor:
        """a ~ mu(. | s) by the reverse chain, differentiable in theta (reparameterised)."""
        action = torch.randn((len(state), self.action_dim), device=state.device, generator=generator)
        for i in reversed(range(self.steps)):
            step = torch.full((len(state),), i, device=state.device, dtype=torch.long)
            mean = self.recip_sqrt_alphas[i] * action - self.noise_coefficient[i] * self.predicted_noise(
                action, state, step
            )
            noise = torch.randn(action.shape, device=state.device, generator=generator) if i > 0 else 0.0
            action = mean + self.betas[i].sqrt() * noise
        return action.clamp(-self.max_action, self.max_action)


class TwinCritic(nn.Module):
    def __init__(self, state_dim: int, action_dim: int, hidden: int):
        super().__init__()
        self.q1, self.q2 = (mlp(state_dim + action_dim, hidden, 1) for _ in range(2))

    def forward(self, state: torch.Tensor, action: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pair = torch.cat([state, action], dim=-1)
        return self.q1(pair).squeeze(-1), self.q2(pair).squeeze(-1)


@dataclass(frozen=True)
class OfflineData:
    """An offline dataset: (n, state_dim) states, actions, rewards, next states and terminals."""

    states: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    next_states: torch.Tensor
    terminals: torch.Tensor

    @classmethod
    def from_arrays(cls, states, actions, rewards, next_states, terminals) -> OfflineData:
        arrays = (states, actions, rewards, next_states, terminals)
        if len({len(a) for a in arrays}) != 1:
            raise ValueError(f"transitions of unequal lengths: {[len(a) for a in arrays]}")
        for name, array in zip(("states", "actions", "rewards", "next_states"), arrays):
            if not np.isfinite(array).all():
                raise ValueError(f"the transitions' {name} hold non-finite values")
        return cls(*(torch.as_tensor(np.asarray(a), dtype=torch.float32) for a in arrays))

    def __len__(self) -> int:
        return len(self.states)


@dataclass
class UpdateRecord:
    critic_loss: float
    diffusion_loss: float | None = None
    multiplier: float | None = None


class DiffCPS:
    """The learner: ``update`` takes one step of Algorithm 2 on a minibatch drawn with ``generator``."""

    def __init__(self, state_dim: int, action_dim: int, settings: DiffCPSSettings, seed: int, max_action: float = 1.0):
        self.settings = settings
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.policy = DiffusionPolicy(state_dim, action_dim, settings, max_action)
            self.critic = TwinCritic(state_dim, action_dim, settings.hidden_units)
        self.target_policy, self.target_critic = copy.deepcopy(self.policy), copy.deepcopy(self.critic)
        for target in (self.target_policy, self.target_critic):
            target.requires_grad_(False)
        self.multiplier = torch.tensor(settings.initial_lambda, requires_grad=True)
        self.policy_optimizer = torch.optim.Adam(self.policy.parameters(), lr=settings.learning_rate)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters(), lr=settings.learning_rate)
        self.multiplier_optimizer = torch.optim.Adam([self.multiplier], lr=settings.lambda_learning_rate)
        self.generator = torch.Generator().manual_seed(seed)
        self.updates = 0

    def update(self, data: OfflineData) -> UpdateRecord:
        settings, generator = self.settings, self.generator
        rows = torch.randint(0, len(data), (settings.batch_size,), generator=generator)
        state, action, reward = data.states[rows], data.actions[rows], data.rewards[rows]
        next_state, terminal = data.next_states[rows], data.terminals[rows]

        with torch.no_grad():
            next_action = self.target_policy(next_state, generator)
            target_q = torch.minimum(*self.target_critic(next_state, next_action))
            target = reward + settings.discount * (1 - terminal) * target_q
        q1, q2 = self.critic(state, action)
        critic_loss = ((q1 - target) ** 2).mean() + ((q2 - target) ** 2).mean()
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.critic_optimizer.step()
        self.updates += 1
        if self.updates % settings.policy_interval:
            return UpdateRecord(critic_loss.item())

        policy_action = self.policy(state, generator)
        q, _ = self.critic(state, policy_action)
        with torch.no_grad():
            scale = self.target_critic(state, policy_action)[0].abs().mean().clamp(min=1e-6)
        diffusion_loss = self.policy.diffusion_loss(state, action, generator)
        multiplier = self.multiplier.detach().clamp(min=settings.lambda_min)
        policy_loss = -q.mean() / scale + multiplier * diffusion_loss
        self.policy_optimizer.zero_grad()
        policy_loss.backward()
        self.policy_optimizer.step()

        # gradient descent on lambda (kappa - L_c), then back onto lambda >= 0
        multiplier_loss = self.multiplier * (settings.kl_budget - diffusion_loss.detach())
        self.multiplier_optimizer.zero_grad()
        multiplier_loss.backward()
        self.multiplier_optimizer.step()
        with torch.no_grad():
            self.multiplier.clamp_(min=0.0)

        self.move_targets()
        return UpdateRecord(critic_loss.item(), diffusion_loss.item(), self.multiplier.item())

    def state_dict(self) -> dict:
        """Everything the next update depends on: resuming from it gives the uninterrupted run's weights."""
        modules = ("policy", "critic", "target_policy", "target_critic")
        optimizers = ("policy_optimizer", "critic_optimizer", "multiplier_optimizer")
        return {
            **{name: getattr(self, name).state_dict() for name in modules + optimizers},
            "multiplier": self.multiplier.detach().clone(),
            "generator": self.generator.get_state(),
            "updates": self.updates,
        }

    def load_state_dict(self, state: dict) -> None:
        for name in ("policy", "critic", "target_policy", "target_critic"):
            getattr(self, name).load_state_dict(state[name])
        with torch.no_grad():
            self.multiplier.copy_(state["multiplier"])
        for name in ("policy_optimizer", "critic_optimizer", "multiplier_optimizer"):
            getattr(self, name).load_state_dict(state[name])
        self.generator.set_state(state["generator"])
        self.updates = state["updates"]

    @torch.no_grad()
    def move_targets(self) -> None:
        rate = self.settings.target_rate
        for target, trained in ((self.target_policy, self.policy), (self.target_critic, self.critic)):
            for target_parameter, parameter in zip(target.parameters(), trained.parameters()):
                target_parameter.lerp_(parameter, rate)

    @torch.no_grad()
    def act(self, states: np.ndarray, generator: torch.Generator | None = None) -> np.ndarray:
        """One action per state, drawn from the trained policy."""
        return self.policy(torch.as_tensor(states, dtype=torch.float32), generator).numpy()


def train(learner: DiffCPS, data: OfflineData, updates: int) -> list[UpdateRecord]:
    return [learner.update(data) for _ in range(updates)]
