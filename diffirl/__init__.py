"""diffirl: inverse reinforcement learning through the sampling chain of a trajectory diffuser.

A reproduction pipeline for the MSc thesis "Inverse Reinforcement Learning using
Generative Planning Models in Trajectory Space" (UCL, 2024). The package holds the
environments, datasets, models, losses and metrics; the thin scripts in ``stages/``
wire them to ``params.yaml`` and to the DAG declared in :mod:`diffirl.dag`.
"""

__version__ = "0.1.0"
