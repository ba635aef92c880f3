"""Planning with a trained diffuser in the real simulators: rollouts and plan quality."""
