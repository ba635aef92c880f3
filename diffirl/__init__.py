"""diffirl: inverse reinforcement learning through the sampling chain of a trajectory diffuser.

A reproduction pipeline for the MSc thesis "Inverse Reinforcement Learning using
Generative Planning Models in Trajectory Space" (UCL, 2024). The package holds the
environments, datasets, models, losses and metrics; the thin scripts in ``stages/``
wire them to ``params.yaml`` and to the DAG declared in :mod:`diffirl.dag`.
"""

__version__ = "0.1.0"


def _import_gym_quietly() -> None:
    """d3rlpy (reward transfer's TD3+BC) depends on the unmaintained ``gym``, which stable-baselines3
    then imports as well; gym prints a notice on import that would open every stage's log. This
    project's environments are gymnasium's; gym is imported once here with its notice discarded."""
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()):
        try:
            import gym  # noqa: F401
        except ImportError:
            pass


_import_gym_quietly()
