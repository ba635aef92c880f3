"""Stage "dataset_figure": Figure 21 (U-Maze) or 23 (Large Maze), samples of the base dataset."""

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError, read_dataset
from diffirl.envs.registry import environments_with
from diffirl.reports.dataset_figures import dataset_samples_figure
from diffirl.reports.maze_plots import save_figure


def main() -> None:
    spec, params = parse(__doc__, environments=environments_with("dataset_samples"))
    settings = params.figures.dataset_samples[spec.name]
    try:
        dataset = read_dataset(paths.dataset_file(spec.name, spec.base_split))
    except DatasetError as error:
        fail(error)
    title = paths.figure_title(
        "dataset_samples", spec.name, f"{spec.name} dataset samples ({settings.window} steps, blue -> red)"
    )
    figure = dataset_samples_figure(dataset, spec.maze, settings.n_panels, settings.window, settings.seed, title)
    save_figure(figure, paths.dataset_figure(spec.name))


if __name__ == "__main__":
    run_stage(main)
