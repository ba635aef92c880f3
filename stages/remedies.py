"""Stage "remedies": every variant's learnt rewards against its own base diffuser, beside the study's (reports/remedies.csv)."""

import json

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.io import write_csv_frame
from diffirl.paths import variant_path
from diffirl.reports.remedies import remedy_rows
from diffirl.variants import VARIANTS


def read_json(path) -> dict:
    return json.loads(path.read_text())


def main() -> None:
    _, params = parse(__doc__, with_environment=False)
    rows = []
    try:
        for variant in VARIANTS.values():
            environment = variant.environment
            study = read_json(paths.evaluation_metrics(environment))
            own = lambda path: variant_path(variant.name, path)  # noqa: B023 (used at once)
            metrics = read_json(own(paths.evaluation_metrics(environment)))
            training = {
                loss: read_json(own(paths.reward_training_metrics(environment, loss))) for loss in variant.losses
            }
            confidence = getattr(params.evaluation, environment).confidence
            rows += remedy_rows(variant, metrics, training, study, confidence)
    except (FileNotFoundError, KeyError, json.JSONDecodeError) as error:
        fail(error)
    frame = pd.DataFrame(rows)
    write_csv_frame(paths.REMEDIES, frame)
    print(
        frame[["variant", "loss", "mean", "base_mean", "lift_mean", "lift_low", "lift_high", "erc"]].to_string(
            index=False
        )
    )


if __name__ == "__main__":
    run_stage(main)
