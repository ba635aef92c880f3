"""Nuti et al.'s relative reward (`../shared/papers/nuti-relative-reward-functions.txt`): a reward
whose input gradient is fitted to the difference between an expert diffuser's and the base
diffuser's denoising means, so that it steers the base diffuser towards the expert's plans."""

#: the compared methods this family trains a network for: the relative reward, and the
#: discriminator the paper compares it with
COMPARED = ("relative", "discriminator")
