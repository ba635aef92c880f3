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

#: Table 1, U-Maze: return of guided rollouts (mean, std) and ERC, per method.
TABLE1 = {
    "Base Diffuser": {"return": (2709.87, 199.81), "erc": None},
    "Diffuser (True Reward)": {"return": (3569.82, 243.84), "erc": None},
    "Diffuser (Learnt MSE Reward)": {"return": (3578.47, 237.46), "erc": 0.689},
    "Diffuser (Learnt MMD-Gauss Reward)": {"return": (3563.60, 262.15), "erc": 0.652},
    "Diffuser (Learnt MMD-Matern Reward)": {"return": (3557.16, 247.75), "erc": 0.457},
    "Behaviour Cloning": {"return": (3535.96, 248.75), "erc": None},
    "GAIL": {"return": (3782.45, 272.66), "erc": None},
    "AIRL": {"return": (3724.23, 328.94), "erc": 0.719},
}
