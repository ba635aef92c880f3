"""Expert trajectories, shared by every method: how they are made and how they are stored."""
