"""Reward transfer: learners other than the diffuser a reward was learnt through."""
