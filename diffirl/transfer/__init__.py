"""Reward transfer: learners other than the diffuser a reward was learnt through."""

#: the environments each transfer table covers (each needs ``transfer.ENV`` set): ``make transfer`` the
#: U-Maze, sized for the default scale; ``make transfer_full`` the Large Maze too (the paper scale's)
TRANSFER_EXTENTS = {"core": ("umaze",), "full": ("umaze", "large")}
#: the offline learners each reward is handed to (diffirl/transfer/learners.py registers them)
LEARNER_NAMES = ("diffcps", "td3_bc")
#: per environment, the recovery variant whose per-step reward networks are the thesis's method's
#: transferable rewards
PER_STEP_VARIANTS = {"umaze": "recovery_per_step", "large": "recovery_large_per_step"}
