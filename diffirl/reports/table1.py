"""Table 1 (U-Maze): return of closed-loop rollouts and ERC for every method, the thesis's beside ours.

A row of a method missing from the evaluation carries the thesis's numbers and empty cells for ours.
"""

from __future__ import annotations

import pandas as pd

from diffirl.reports import thesis


def build_table1(evaluation: dict, reference: dict = thesis.TABLE1) -> pd.DataFrame:
    ours = {entry["label"]: entry for entry in evaluation.values()}
    rows = []
    for label, published in reference.items():
        entry = ours.get(label, {})
        rows.append({
            "method": label,
            "return_mean": entry.get("return_mean"),
            "return_std": entry.get("return_std"),
            "erc": entry.get("erc"),
            "rollouts": entry.get("rollouts"),
            "thesis_return_mean": published["return"][0],
            "thesis_return_std": published["return"][1],
            "thesis_erc": published["erc"],
        })
    return pd.DataFrame(rows)
