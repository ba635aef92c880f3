"""The thesis's published numbers, quoted so that every table can show them beside ours.

These are references to compare with, never outputs: no table takes a result from here.
"""

#: Table 3: HalfCheetah datasets, return of 1000-step trajectories (discounted, gamma 0.99)
#: and the action L2 norm, each as (mean, std).
TABLE3 = {
    "medium-replay": {"return": (285.54, 179.67), "action_norm": (2.37, 0.63)},
    "medium": {"return": (442.01, 106.52), "action_norm": (2.35, 0.69)},
    "expert": {"return": (1001.77, 226.37), "action_norm": (2.40, 0.48)},
}
