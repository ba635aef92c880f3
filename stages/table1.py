"""Stage "table1": Table 1 (U-Maze) from the diffuser and baseline evaluations, the thesis's numbers beside ours."""

import json

from _common import fail, parse

from diffirl import paths
from diffirl.io import atomic_path
from diffirl.reports.table1 import build_table1

if __name__ == "__main__":
    parse(__doc__, with_environment=False)
    try:
        evaluation = json.loads(paths.evaluation_metrics("umaze").read_text())
        evaluation |= json.loads(paths.baselines_metrics("umaze").read_text())
    except (FileNotFoundError, json.JSONDecodeError) as error:
        fail(error)
    table = build_table1(evaluation)
    with atomic_path(paths.TABLE1) as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
    print(table.to_string(index=False))
