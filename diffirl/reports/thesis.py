"""The thesis's published numbers, quoted so that every table can show them beside ours.

These are references to compare with, never outputs: no table takes a result from here.
Results tables are keyed by method name (``diffirl.methods``); a method the thesis did not
report is simply absent and its ``thesis_*`` cells stay empty.
"""

#: Table 3: HalfCheetah datasets, return of 1000-step trajectories (discounted, gamma 0.99)
#: and the action L2 norm, each as (mean, std).
TABLE3 = {
    "medium-replay": {"return": (285.54, 179.67), "action_norm": (2.37, 0.63)},
    "medium": {"return": (442.01, 106.52), "action_norm": (2.35, 0.69)},
    "expert": {"return": (1001.77, 226.37), "action_norm": (2.40, 0.48)},
}

#: Tables 1, 2, 4 and 5: per method, (mean, std) of the table's statistic and the ERC.
RESULTS = {
    # Table 1, U-Maze: return of guided rollouts
    1: {
        "base": {"value": (2709.87, 199.81), "erc": None},
        "true": {"value": (3569.82, 243.84), "erc": None},
        "mse": {"value": (3578.47, 237.46), "erc": 0.689},
        "mmd_gauss": {"value": (3563.60, 262.15), "erc": 0.652},
        "mmd_matern": {"value": (3557.16, 247.75), "erc": 0.457},
        "bc": {"value": (3535.96, 248.75), "erc": None},
        "gail": {"value": (3782.45, 272.66), "erc": None},
        "airl": {"value": (3724.23, 328.94), "erc": 0.719},
    },
    # Table 2, Large Maze: the same
    2: {
        "base": {"value": (14156.37, 3849.58), "erc": None},
        "true": {"value": (22693.68, 4109.22), "erc": None},
        "mse": {"value": (14639.58, 4367.54), "erc": 0.662},
        "mmd_gauss": {"value": (16150.08, 5149.77), "erc": 0.653},
        "mmd_matern": {"value": (14958.32, 5275.93), "erc": 0.663},
        "bc": {"value": (17917.14, 4074.49), "erc": None},
        "gail": {"value": (16616.25, 3506.86), "erc": None},
        "airl": {"value": (18575.12, 5033.36), "erc": 0.696},
    },
    # Table 4, HalfCheetah: discounted return (gamma 0.99) of 1000-step rollouts
    4: {
        "base": {"value": (276.49, 74.28), "erc": None},
        "mse": {"value": (-39.15, 0.95), "erc": 0.758},
        "mmd_gauss": {"value": (-32.50, 1.08), "erc": 0.807},
        "mmd_matern": {"value": (-19.80, 18.00), "erc": 0.698},
        "bc": {"value": (1657.78, 45.62), "erc": None},
        "gail": {"value": (998.21, 231.52), "erc": None},
        "airl": {"value": (1298.25, 152.04), "erc": 0.757},
    },
    # Table 5, HalfCheetah: action L2 norm of Table 4's rollouts
    5: {
        "base": {"value": (1.77, 0.33)},
        "mse": {"value": (1.45, 0.01)},
        "mmd_gauss": {"value": (1.25, 0.38)},
        "mmd_matern": {"value": (2.48, 0.64)},
    },
}
