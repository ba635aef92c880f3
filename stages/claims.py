"""Stage "claims": each claim of the thesis decided from Tables 1, 2 and 4, on our run and on the thesis's numbers."""

import pandas as pd

from _common import parse, run_stage
from diffirl import paths
from diffirl.io import write_csv_frame
from diffirl.reports.claims import build_claims
from diffirl.reports.results import RESULTS_TABLES


def main() -> None:
    parse(__doc__, with_environment=False)
    tables = {
        number: pd.read_csv(paths.results_table(number)) if paths.results_table(number).is_file() else None
        for number in RESULTS_TABLES
    }
    frame = build_claims(tables)
    write_csv_frame(paths.CLAIMS, frame)
    print(frame[["table", "claim", "ours_verdict", "thesis_verdict"]].to_string(index=False))


if __name__ == "__main__":
    run_stage(main)
