"""Stage "table3": Table 3 from the three HalfCheetah datasets."""

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError, read_dataset
from diffirl.envs import get_environment
from diffirl.io import write_csv_frame, write_json
from diffirl.reports.summary import table3_summary
from diffirl.reports.table3 import build_table3


def main() -> None:
    _, params = parse(__doc__, with_environment=False)
    spec = get_environment("halfcheetah")
    try:
        datasets = {split: read_dataset(paths.dataset_file(spec.name, split)) for split in spec.splits}
    except DatasetError as error:
        fail(error)
    table = build_table3(datasets, params.table3.gamma, params.table3.segment_length)
    write_csv_frame(paths.TABLE3, table)
    write_json(paths.summary_file("table3"), table3_summary(table))
    print(table.to_string(index=False))


if __name__ == "__main__":
    run_stage(main)
