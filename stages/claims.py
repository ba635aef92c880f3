"""Stage "claims": each claim of the thesis decided from Tables 1, 2 and 4, on our run and on the thesis's numbers,
with the settings this scale cuts for time that move the rows deciding it."""

from pathlib import Path

import pandas as pd
import yaml

from _common import parse, run_stage
from diffirl import paths
from diffirl.io import write_csv_frame, write_json
from diffirl.params.load import read_scale
from diffirl.reports.claims import build_claims
from diffirl.reports.results import RESULTS_TABLES
from diffirl.reports.summary import claims_summary


def main() -> None:
    parse(__doc__, with_environment=False)
    tables = {
        number: pd.read_csv(paths.results_table(number)) if paths.results_table(number).is_file() else None
        for number in RESULTS_TABLES
    }
    ours = yaml.safe_load(Path("params.yaml").read_text())
    frame = build_claims(tables, ours, read_scale("paper"))  # the thesis's settings, for its own tables
    write_csv_frame(paths.CLAIMS, frame)
    write_json(paths.summary_file("claims"), claims_summary(frame))
    print(frame[["table", "claim", "ours_verdict", "thesis_verdict"]].to_string(index=False))


if __name__ == "__main__":
    run_stage(main)
