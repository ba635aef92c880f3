"""Extending the study from outside the project: what the README's "Extending" section promises.

A fourth environment, gymnasium-robotics's PointMaze_Medium-v3, comes from one registry entry
(the plugin function below, loaded through ``DIFFIRL_PLUGINS``) and a smoke-scale settings
overlay; no project file changes. Snakemake then builds its dataset, diffuser, experts, learnt
rewards, baselines and results table in a copy of the project.
"""

import copy
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from diffirl import paths
from diffirl.envs.maze import MazeLayout

from .projects import copy_project, run

pytestmark = pytest.mark.e2e

MEDIUM_MAZE = MazeLayout(
    "medium",
    (
        "########",
        "#..##..#",
        "#..#...#",
        "##...###",
        "#..#...#",
        "#.#..#.#",
        "#...#..#",
        "########",
    ),
)
#: free cells of the medium maze: where experts and evaluation rollouts start
EXPERT_STARTS = [[1, 1], [1, 5], [6, 1]]
EVALUATION_STARTS = [[1, 1], [1, 5], [6, 1], [6, 6]]


def register_medium_maze() -> None:
    """The plugin: ``DIFFIRL_PLUGINS=tests.test_extending:register_medium_maze``."""
    from diffirl.envs.kinds import POINT_MAZE
    from diffirl.envs.registry import EnvironmentSpec, register_environment
    from diffirl.rewards.true_reward import CellReward

    register_environment(
        EnvironmentSpec(
            "medium", "PointMaze_Medium-v3", POINT_MAZE, ("base",), MEDIUM_MAZE, reward=CellReward(MEDIUM_MAZE)
        )
    )


def with_medium_maze(params: dict) -> dict:
    """The settings overlay: the U-Maze's smoke settings for the medium maze, with its own start
    cells and downloads."""
    params = copy.deepcopy(params)
    for name, section in params.items():
        if name != "variants" and isinstance(section, dict) and "umaze" in section:
            section["medium"] = copy.deepcopy(section["umaze"])
    params["figures"]["dataset_samples"]["medium"] = copy.deepcopy(params["figures"]["dataset_samples"]["umaze"])
    params["experts"]["medium"]["start_cells"] = EXPERT_STARTS
    params["evaluation"]["medium"]["start_cells"] = EVALUATION_STARTS
    sources = params["datasets"]["medium"]
    sources["d4rl"]["base"]["url"] = sources["d4rl"]["base"]["url"].replace("umaze", "medium")
    sources["minari"]["base"] = "D4RL/pointmaze/medium-v2"
    return params


def test_the_medium_layout_is_gymnasium_robotics_map():
    from gymnasium_robotics.envs.maze.maps import MEDIUM_MAZE as MAP

    assert MEDIUM_MAZE.walls.tolist() == [[cell == 1 for cell in row] for row in MAP]


@pytest.fixture(scope="module")
def medium_maze_project(root, tmp_path_factory):
    project = copy_project(root, tmp_path_factory.mktemp("medium"))
    params = project / "params.yaml"
    params.write_text(yaml.safe_dump(with_medium_maze(yaml.safe_load(params.read_text())), sort_keys=False))
    plugin = {"DIFFIRL_PLUGINS": "tests.test_extending:register_medium_maze", "PYTHONPATH": str(root)}
    table = paths.environment_results_table("medium")
    log = run(project, "snakemake", "--cores", "2", str(table), timeout=1200, env=plugin)
    return project, log, plugin


def test_a_new_environment_is_built_from_a_registry_entry_and_settings(medium_maze_project, root):
    project, log, _ = medium_maze_project
    for made in (
        paths.dataset_file("medium", "base"),
        paths.diffuser_model("medium"),
        paths.experts_file("medium"),
        paths.learnt_reward("medium", "mse"),
        paths.evaluation_metrics("medium"),
        paths.experts_figure("medium"),
    ):
        assert (project / made).is_file(), f"{made} was not made"
    assert paths.experts_figure("medium").name == "medium_experts.png"  # the thesis has no number for it
    table = pd.read_csv(project / paths.environment_results_table("medium"))
    assert list(table["method"]) == ["base", "true", "mse", "mmd_gauss", "mmd_matern", "bc", "gail", "airl"]
    assert np.isfinite(table["return_mean"]).all()
    assert np.isfinite(table.set_index("method").loc[["mse", "mmd_gauss", "mmd_matern", "airl"], "erc"]).all()
    evaluation = json.loads((project / paths.evaluation_metrics("medium")).read_text())
    assert evaluation["base"]["reward"].startswith("r = 5i + 5j")
    assert evaluation["base"]["rollouts"] == 2 * len(EVALUATION_STARTS)
    # nothing of the other environments was needed
    assert not (project / paths.dataset_file("umaze", "base")).exists()
    # the project itself is unchanged: its DAG has no medium maze without the plugin
    assert "medium" not in run(root, "python", "-m", "diffirl.dag", "--list", "study")


def test_a_plugin_that_cannot_be_imported_is_named(medium_maze_project):
    project, _, plugin = medium_maze_project
    with pytest.raises(AssertionError, match="DIFFIRL_PLUGINS names 'tests.no_such_plugin'"):
        run(project, "python", "stages/evaluate.py", "medium", env=plugin | {"DIFFIRL_PLUGINS": "tests.no_such_plugin"})
