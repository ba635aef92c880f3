"""The job order Snakemake is given: longest remaining path first (diffirl/schedule.py)."""

from __future__ import annotations

from diffirl import dag, schedule


def test_every_stage_outranks_the_stages_that_read_its_outputs():
    stages = dag.pipeline_stages()
    seconds = schedule.load_seconds()
    assert seconds, "workflow/stage_seconds.yaml is missing: Snakemake would order jobs blindly"
    priority = schedule.priorities(stages, seconds)
    after = schedule.users(stages)
    path = schedule.remaining_path(stages, seconds)
    for stage in stages:
        own = seconds.get(stage.name, 0.0)
        expected = own + max((path[u] for u in after[stage.name]), default=0.0)
        assert abs(priority[stage.name] - expected) <= 1
        assert all(priority[stage.name] >= priority[u] for u in after[stage.name])


def test_the_recorded_times_name_only_stages_of_the_dag():
    names = {stage.name for stage in dag.pipeline_stages()}
    assert set(schedule.load_seconds()) <= names


def test_a_long_chain_starts_before_a_short_one():
    stages = dag.pipeline_stages()
    seconds = {"train_diffuser_umaze": 1000.0, "train_diffuser_large": 10.0}
    priority = schedule.priorities(stages, seconds)
    assert priority["dataset_umaze"] > priority["dataset_large"]
    assert priority["train_diffuser_umaze"] >= 1000


def test_writing_a_study_run_keeps_the_variants_times(tmp_path):
    import importlib.util

    script = schedule.STAGE_SECONDS.parent.parent / "benchmarks" / "study_schedule.py"
    spec = importlib.util.spec_from_file_location("study_schedule", script)
    study_schedule = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study_schedule)
    file = tmp_path / "stage_seconds.yaml"
    file.write_text("table1: 9.0\nlong_horizon__evaluate_halfcheetah: 600.0\n")
    study_schedule.write_stage_seconds(file, {"table1": 4.04, "table2": 5.0}, "from a test")
    assert schedule.load_seconds(file) == {"table1": 4.0, "table2": 5.0, "long_horizon__evaluate_halfcheetah": 600.0}
    assert "did not time" in file.read_text().splitlines()[0]
