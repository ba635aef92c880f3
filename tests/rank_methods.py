"""The stage of the plugin family ``method_ranking`` (tests/plugins.py): an evaluation's methods ranked by mean return.

python tests/rank_methods.py EVALUATION_JSON OUTPUT_CSV
"""

import sys

from diffirl.io import read_json, write_csv


def main(evaluation: str, output: str) -> None:
    methods = read_json(evaluation)
    ranked = sorted(methods, key=lambda name: -methods[name]["return_mean"])
    rows = [
        {"rank": i + 1, "method": name, "return_mean": methods[name]["return_mean"]} for i, name in enumerate(ranked)
    ]
    write_csv(output, rows, ["rank", "method", "return_mean"])


if __name__ == "__main__":
    main(*sys.argv[1:])
