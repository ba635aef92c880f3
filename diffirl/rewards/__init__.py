"""Rewards defined by the environment: the mazes' true reward, and its guide for the diffuser."""
