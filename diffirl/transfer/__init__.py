"""Reward transfer: learners other than the diffuser a reward was learnt through."""

#: the environments reward transfer runs in (``make transfer``; each needs ``transfer.ENV`` set)
TRANSFER_ENVIRONMENTS = ("umaze",)
#: the offline learners each reward is handed to (diffirl/transfer/learners.py registers them)
LEARNER_NAMES = ("diffcps", "td3_bc")
#: the recovery variant whose per-step reward networks are the thesis's method's transferable rewards
PER_STEP_VARIANT = "recovery_per_step"
