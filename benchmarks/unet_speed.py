"""Benchmark: the U-Net with diffirl's Mish and TemporalConv1d beside the same U-Net with torch's layers.

Usage: python benchmarks/unet_speed.py [--scale default] [--threads 1] [--repeats 20]

For each environment's U-Net at the scale's settings, the same weights run twice: once with
nn.Mish and nn.Conv1d (torch's layers), once with ours. Measured: one forward pass at the
batch of the evaluation's planning chain (every diffuser method's rollouts at once), and one
forward+backward pass at the reward-learning batch. Prints milliseconds per pass, the
speed-up, and the largest difference between the two outputs.
"""

from __future__ import annotations

import argparse
import copy
import time

import torch

from diffirl.diffusion.unet import Mish, TemporalConv1d, TemporalUnet
from diffirl.methods import diffuser_methods
from diffirl.params.scale import compose

#: (observation_dim, action_dim) of each environment's transitions
DIMENSIONS = {"umaze": (4, 2), "large": (4, 2), "halfcheetah": (17, 6)}


def with_torch_layers(network: TemporalUnet) -> TemporalUnet:
    """A copy of ``network`` whose Mish and TemporalConv1d modules are torch's own, same weights."""
    plain = copy.deepcopy(network)
    for module in list(plain.modules()):
        for name, child in module.named_children():
            if isinstance(child, Mish):
                setattr(module, name, torch.nn.Mish())
            elif isinstance(child, TemporalConv1d):
                conv = torch.nn.Conv1d(child.in_channels, child.out_channels, child.kernel_size, padding=child.padding)
                conv.load_state_dict(child.state_dict())
                setattr(module, name, conv)
    return plain


def milliseconds(function, repeats: int) -> float:
    function()
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="default")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    params = compose(args.scale)
    for environment, (observation_dim, action_dim) in DIMENSIONS.items():
        diffuser = params["diffusers"][environment]
        evaluation = params["evaluation"][environment]
        starts = max(1, len(evaluation["start_cells"]))
        methods = len(diffuser_methods(environment != "halfcheetah"))
        planning_batch = starts * evaluation["rollouts_per_start"] * methods
        learning_batch = params["reward_learning"][environment]["batch_size"]
        torch.manual_seed(0)
        ours = TemporalUnet(diffuser["horizon"], observation_dim + action_dim, diffuser["dim"], diffuser["dim_mults"])
        theirs = with_torch_layers(ours)
        for mode, batch in (("forward", planning_batch), ("forward+backward", learning_batch)):
            x = torch.randn(batch, diffuser["horizon"], observation_dim + action_dim)
            t = torch.randint(0, diffuser["n_diffusion_steps"], (batch,))

            def run(network):
                def forward():
                    with torch.no_grad():
                        network(x, t)

                return forward if mode == "forward" else lambda: network(x, t).square().sum().backward()

            with torch.no_grad():
                difference = (ours(x, t) - theirs(x, t)).abs().max().item()
            plain, fast = milliseconds(run(theirs), args.repeats), milliseconds(run(ours), args.repeats)
            print(
                f"{environment:12s} {mode:17s} batch {batch:4d}  torch layers {plain:8.2f} ms  "
                f"ours {fast:8.2f} ms  x{plain / fast:.2f}  max |difference| {difference:.1e}"
            )


if __name__ == "__main__":
    main()
