"""The study's three environments: their registry and the maze geometry."""

from diffirl.envs.registry import ENVIRONMENTS, EnvironmentSpec, get_environment

__all__ = ["ENVIRONMENTS", "EnvironmentSpec", "get_environment"]
