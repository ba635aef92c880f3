"""Stage "dataset": build one environment's datasets from the source params.yaml chooses."""

import json

from _common import fail, parse, run_stage
from diffirl.data.d4rl_source import DownloadError
from diffirl.data.format import DatasetError
from diffirl.data.minari_source import MinariError
from diffirl.data.sources import build_datasets


def main() -> None:
    spec, params = parse(__doc__)
    try:
        summary = build_datasets(spec, getattr(params.datasets, spec.name))
    except (DownloadError, DatasetError, MinariError) as error:
        fail(error)
    print(json.dumps(summary))


if __name__ == "__main__":
    run_stage(main)
