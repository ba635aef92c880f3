"""Stages killed with SIGKILL part-way, in a smoke-scale copy of the project."""

import subprocess
from pathlib import Path

import pytest

from diffirl import dag, paths

from .projects import copy_project, kill_when, run

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def project(root, tmp_path_factory):
    project = copy_project(root, tmp_path_factory.mktemp("killed"))
    run(project, "python", "stages/dataset.py", "umaze")
    return project


def test_train_diffuser_killed_after_saving_its_model_leaves_no_output_and_reruns_clean(project):
    stage = next(stage for stage in dag.pipeline_stages() if stage.name == "train_diffuser_umaze")
    loss_figure = project / paths.diffuser_loss_figure("umaze")
    command = stage.cmd.split()
    process = subprocess.Popen(command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # the loss figure is written after the model and before the sample figures
    kill_when(process, lambda: loss_figure.exists() or any(loss_figure.parent.glob(f".{loss_figure.name}.*.tmp")))
    assert [out for out in stage.all_outputs if (project / out).exists()] == []
    run(project, *command)
    assert all((project / out).stat().st_size > 0 for out in stage.all_outputs)
    assert list(Path(project, "data").rglob("*.tmp")) == [] and list(Path(project, "reports").rglob("*.tmp")) == []
