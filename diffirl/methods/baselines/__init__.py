"""The thesis's baselines (BC, GAIL, AIRL) with `imitation` and stable-baselines3."""
