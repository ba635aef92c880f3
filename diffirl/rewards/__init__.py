"""Rewards: the thesis's hand-made true reward, and the trajectory-space losses for learning one."""
