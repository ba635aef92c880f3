"""Janner et al.'s temporal U-Net: a 1-D U-Net over the planning horizon.

Input and output are (batch, horizon, transition_dim) trajectories; the diffusion step
enters through a sinusoidal embedding added inside every residual block.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SinusoidalEmbedding(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        half = self.dim // 2
        frequencies = torch.exp(-math.log(10000) * torch.arange(half, device=t.device, dtype=t.dtype) / (half - 1))
        angles = t[:, None] * frequencies[None, :]
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


class _MishFunction(torch.autograd.Function):
    """Mish's value and its analytic derivative, each in a few in-place passes.

    Autograd through the one-exp formula records about twelve elementwise kernels and as
    many temporaries for the backward pass; the derivative written out,
    d/dx x t = t + x sigmoid(x) (1 - t^2) with t = tanh(softplus(x)), takes four reads
    of three saved tensors. The U-Net is never differentiated twice (guides read plans,
    not the U-Net), so the backward pass need not be differentiable itself.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        e = x.clamp(max=20.0).exp_()
        n = e.add(2).mul_(e)
        t = n.div_(n + 2)  # tanh(softplus(x))
        ctx.save_for_backward(x, t, e)
        return x * t

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        x, t, e = ctx.saved_tensors
        sigmoid = e.add(1)
        torch.div(e, sigmoid, out=sigmoid)
        derivative = (t * t).neg_().add_(1).mul_(sigmoid).mul_(x).add_(t)
        return derivative.mul_(grad)


class Mish(nn.Module):
    """x * tanh(softplus(x)) with one exp instead of three transcendentals.

    With e = exp(x) and n = e (e + 2), tanh(log(1 + e)) = n / (n + 2). Equal to ``nn.Mish``
    within float rounding and about 3x faster on a CPU, forward and backward, where Mish was
    as costly as the convolutions (benchmarks/unet_speed.py). Beyond x = 20 the factor is 1
    in float32 and bfloat16, so clamping there loses nothing and keeps e (e + 2) finite.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _MishFunction.apply(x)


class TemporalConv1d(nn.Conv1d):
    """A stride-1 "same" Conv1d that computes sequences shorter than its kernel as one matmul.

    Such a sequence (HalfCheetah's 4-step plans, and the deep levels of every short U-Net)
    reads mostly padding; the CPU's direct convolution is then 2-5x slower than a matrix
    product over the unfolded windows, which gives the same result (benchmarks/unet_speed.py).
    Parameters and state dict are a plain Conv1d's.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (kernel,) = self.kernel_size
        batch, channels, length = x.shape
        if length >= kernel:
            return super().forward(x)
        (padding,) = self.padding
        windows = nn.functional.pad(x, (padding, padding)).unfold(2, kernel, 1)  # (batch, channels, length, kernel)
        columns = windows.transpose(1, 2).reshape(batch * length, channels * kernel)
        out = nn.functional.linear(columns, self.weight.reshape(self.out_channels, -1), self.bias)
        return out.reshape(batch, length, self.out_channels).transpose(1, 2)


class ConvBlock(nn.Sequential):
    """Conv1d -> GroupNorm -> Mish."""

    def __init__(self, channels_in: int, channels_out: int, kernel_size: int, groups: int = 8):
        super().__init__(
            TemporalConv1d(channels_in, channels_out, kernel_size, padding=kernel_size // 2),
            nn.GroupNorm(groups, channels_out),
            Mish(),
        )


class ResidualTemporalBlock(nn.Module):
    """Two conv blocks; the time embedding is added after the first."""

    def __init__(self, channels_in: int, channels_out: int, embed_dim: int, kernel_size: int = 5):
        super().__init__()
        self.first = ConvBlock(channels_in, channels_out, kernel_size)
        self.second = ConvBlock(channels_out, channels_out, kernel_size)
        self.time = nn.Sequential(Mish(), nn.Linear(embed_dim, channels_out))
        self.residual = nn.Conv1d(channels_in, channels_out, 1) if channels_in != channels_out else nn.Identity()

    def forward(self, x: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
        out = self.first(x) + self.time(embedding)[:, :, None]
        return self.second(out) + self.residual(x)


class TemporalUnet(nn.Module):
    def __init__(self, horizon: int, transition_dim: int, dim: int = 32, dim_mults: tuple[int, ...] = (1, 4, 8)):
        super().__init__()
        downsamplings = len(dim_mults) - 1
        if horizon % (2**downsamplings):
            raise ValueError(f"horizon {horizon} must be divisible by 2**{downsamplings} for dim_mults {dim_mults}")
        widths = [transition_dim, *(dim * m for m in dim_mults)]
        pairs = list(zip(widths[:-1], widths[1:]))
        self.time_embedding = nn.Sequential(
            SinusoidalEmbedding(dim), nn.Linear(dim, dim * 4), Mish(), nn.Linear(dim * 4, dim)
        )
        self.downs = nn.ModuleList()
        for index, (width_in, width_out) in enumerate(pairs):
            last = index == len(pairs) - 1
            self.downs.append(
                nn.ModuleList(
                    [
                        ResidualTemporalBlock(width_in, width_out, dim),
                        ResidualTemporalBlock(width_out, width_out, dim),
                        nn.Identity() if last else nn.Conv1d(width_out, width_out, 3, stride=2, padding=1),
                    ]
                )
            )
        middle = widths[-1]
        self.mid = nn.ModuleList(
            [ResidualTemporalBlock(middle, middle, dim), ResidualTemporalBlock(middle, middle, dim)]
        )
        self.ups = nn.ModuleList()
        for width_in, width_out in reversed(pairs[1:]):  # one upsampling per downsampling
            self.ups.append(
                nn.ModuleList(
                    [
                        ResidualTemporalBlock(width_out * 2, width_in, dim),
                        ResidualTemporalBlock(width_in, width_in, dim),
                        nn.ConvTranspose1d(width_in, width_in, 4, stride=2, padding=1),
                    ]
                )
            )
        self.final = nn.Sequential(ConvBlock(dim, dim, 5), nn.Conv1d(dim, transition_dim, 1))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, 2)  # (batch, channels = transition_dim, horizon)
        embedding = self.time_embedding(t.to(x.dtype))
        skips = []
        for first, second, down in self.downs:
            x = second(first(x, embedding), embedding)
            skips.append(x)
            x = down(x)
        for block in self.mid:
            x = block(x, embedding)
        for first, second, up in self.ups:
            x = torch.cat([x, skips.pop()], dim=1)
            x = up(second(first(x, embedding), embedding))
        return self.final(x).transpose(1, 2)
