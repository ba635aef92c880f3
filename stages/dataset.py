"""Stage "dataset": build one environment's datasets from the source params.yaml chooses."""

import json

from _common import fail, parse
from diffirl.data.d4rl_source import DownloadError
from diffirl.data.format import DatasetError
from diffirl.data.minari_source import MinariError
from diffirl.data.sources import build_datasets

if __name__ == "__main__":
    spec, params = parse(__doc__)
    try:
        summary = build_datasets(spec, getattr(params.datasets, spec.name))
    except (DownloadError, DatasetError, MinariError) as error:
        fail(error)
    print(json.dumps(summary))
