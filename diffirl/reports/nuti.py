"""Nuti et al.'s published numbers that ``make compare`` sets beside ours."""

#: their Table 1, HalfCheetah: D4RL-normalised return, mean and standard error over 5 seeds x 512
#: rollouts, keyed by the study's method names (``base``: their unsteered base diffuser)
TABLE_1_HALFCHEETAH = {"base": (30.38, 0.38), "discriminator": (30.41, 0.38), "relative": (31.65, 0.32)}

PUBLISHED_D4RL_SCORES = {"halfcheetah": TABLE_1_HALFCHEETAH}
