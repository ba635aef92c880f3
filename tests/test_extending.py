"""Extending the study from outside the project: what the README's "Extending" section promises.

Two plugins (tests/plugins.py), loaded through ``DIFFIRL_PLUGINS``, and no project file changed: a
new diffuser method defined entirely there (a guide that pushes plans to the right), and a fourth environment,
gymnasium-robotics's PointMaze_Medium-v3, from one registry entry and a smoke-scale settings
overlay. Snakemake then builds the study in a copy of the project, with the new method in every
table and the new environment's dataset, diffuser, experts, learnt rewards, baselines and
results table.
"""

import copy
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from diffirl import paths

from .plugins import EVALUATION_STARTS, EXPERT_STARTS, MEDIUM_MAZE, PLUGINS, RANKING, RANKING_TABLE
from .projects import copy_project, run

pytestmark = pytest.mark.e2e


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


def test_a_new_baseline_brings_its_settings_section_and_stages(root):
    plugin = {"DIFFIRL_PLUGINS": "tests.plugins:register_second_behaviour_cloning", "PYTHONPATH": str(root)}
    script = (
        "from diffirl.params.schema import BaselineSettings, BCSettings; "
        "print(BaselineSettings.model_fields['bc_long'].annotation is BCSettings)"
    )
    assert run(root, "python", "-c", script, env=plugin).strip().endswith("True")
    stages = run(root, "python", "-c", STAGE_NAMES, env=plugin).split()
    assert {"train_baseline_umaze_bc_long", "train_baseline_halfcheetah_bc_long"} <= set(stages)


#: every stage name of the DAG, one per line
STAGE_NAMES = "from diffirl.dag import pipeline_stages; print(*(s.name for s in pipeline_stages()), sep=chr(10))"


@pytest.fixture(scope="module")
def extended_project(root, tmp_path_factory):
    """The study at smoke scale with both plugins."""
    project = copy_project(root, tmp_path_factory.mktemp("extended"))
    params = project / "params.yaml"
    params.write_text(yaml.safe_dump(with_medium_maze(yaml.safe_load(params.read_text())), sort_keys=False))
    plugins = {"DIFFIRL_PLUGINS": f"{PLUGINS},{RANKING}", "PYTHONPATH": str(root)}
    run(project, "snakemake", "--cores", "2", "study", timeout=1800, env=plugins)
    return project, plugins


def test_a_new_method_is_one_registry_entry_and_joins_every_table(extended_project):
    project, _ = extended_project
    table = pd.read_csv(project / paths.results_table(1)).set_index("method")
    row = table.loc["rightward"]
    assert row["label"] == "Diffuser (Rightward Guide)"
    assert np.isfinite([row["return_mean"], row["vs_base_low"], row["vs_base_high"]]).all()
    assert pd.isna(row["thesis_return_mean"]) and pd.isna(row["erc"])
    assert list(table.index[:2]) == ["base", "true"] and list(table.index[-3:]) == ["bc", "gail", "airl"]
    evaluation = json.loads((project / paths.evaluation_metrics("umaze")).read_text())
    assert evaluation["rightward"]["returns"] != evaluation["base"]["returns"]  # the guide steered
    # the thesis's claims name the thesis's methods only
    claims = (project / paths.CLAIMS).read_text()
    assert "Rightward" not in claims and "rightward" not in claims
    assert "Diffuser (Rightward Guide)" in (project / paths.REPORT_MARKDOWN).read_text()
    assert "rightward" in pd.read_csv(project / paths.results_table(4))["method"].tolist()


def test_a_new_environment_is_built_from_a_registry_entry_and_settings(extended_project, root):
    project, _ = extended_project
    for made in (
        paths.dataset_file("medium", "base"),
        paths.diffuser_model("medium"),
        paths.experts_file("medium"),
        paths.learnt_reward("medium", "mse"),
        paths.evaluation_metrics("medium"),
        paths.experts_figure("medium"),
        paths.rollout_figure("medium"),
    ):
        assert (project / made).is_file(), f"{made} was not made"
    assert paths.experts_figure("medium").name == "medium_experts.png"  # the thesis has no number for it
    table = pd.read_csv(project / paths.environment_results_table("medium"))
    assert list(table["method"]) == [
        "base",
        "true",
        "mse",
        "mmd_gauss",
        "mmd_matern",
        "rightward",
        "bc",
        "gail",
        "airl",
    ]
    assert np.isfinite(table["return_mean"]).all()
    assert np.isfinite(table.set_index("method").loc[["mse", "mmd_gauss", "mmd_matern", "airl"], "erc"]).all()
    evaluation = json.loads((project / paths.evaluation_metrics("medium")).read_text())
    assert evaluation["base"]["reward"].startswith("r = 5i + 5j")
    assert evaluation["base"]["rollouts"] == 2 * len(EVALUATION_STARTS)
    # its table is a section of the report, without the thesis's columns, and its figures join
    # the appendix, captioned as the catalogue says (diffirl/figures.py)
    report = (project / paths.REPORT_MARKDOWN).read_text()
    section = report.split("## PointMaze_Medium-v3: return of guided rollouts (no table in the thesis)")[1]
    section = section.split("\n## ")[0]
    assert "PointMaze_Medium-v3 (return; no table in the thesis): the base diffuser scores" in section
    assert "| Diffuser (Rightward" in section and "Thesis" not in section, section
    assert (project / paths.forest_figure("results_medium")).is_file()
    assert "reaching the best cell and staying there, as the thesis's do. (medium)" in report
    assert "Diffuser training loss per step (medium)" in report
    # the project itself is unchanged: its DAG has neither without the plugins
    listed = run(root, "python", "-m", "diffirl.dag", "--list", "study")
    assert "medium" not in listed and "rightward" not in listed


def test_a_method_family_builds_a_target_of_its_own(extended_project):
    """A family's stages and target come from its registry entry alone; the study is not re-made."""
    project, plugins = extended_project
    listed = run(project, "python", "-m", "diffirl.dag", "--list", "method_ranking", env=plugins)
    assert listed.split() == ["rank_methods_umaze"]
    built = run(project, "snakemake", "--cores", "1", "method_ranking", env=plugins)
    assert "evaluate_umaze" not in built  # the study's evaluation it reads is up to date
    ranking = pd.read_csv(project / RANKING_TABLE)
    evaluation = json.loads((project / paths.evaluation_metrics("umaze")).read_text())
    assert sorted(ranking["method"]) == sorted(evaluation) and "rightward" in set(ranking["method"])
    assert ranking["return_mean"].is_monotonic_decreasing and list(ranking["rank"]) == list(range(1, len(ranking) + 1))


def test_a_plugin_that_cannot_be_imported_is_named(extended_project):
    project, plugins = extended_project
    with pytest.raises(AssertionError, match="DIFFIRL_PLUGINS names 'tests.no_such_plugin'"):
        run(
            project,
            "python",
            "stages/evaluate.py",
            "medium",
            env=plugins | {"DIFFIRL_PLUGINS": "tests.no_such_plugin:register"},
        )
