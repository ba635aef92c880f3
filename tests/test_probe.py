"""The probe (make probe): its capped settings, its runner's limits, its cost model and the SLURM
resources generated from it. CI's whole probe at smoke size runs in the Snakemake end-to-end run
(tests/test_e2e.py, check_probe)."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from diffirl import dag, paths
from diffirl.params.load import validate_params
from diffirl.params.scale import compose
from diffirl.probe.cost_model import StageCost, loop_costs
from diffirl.probe.runner import (
    COMPLETED,
    MEMORY_LIMIT,
    NOT_QUIET,
    TIME_LIMIT,
    StageFailed,
    StageRun,
    probed_stages,
    run_one,
)
from diffirl.probe.settings import probe_settings
from diffirl.probe.slurm_resources import main as slurm_resources
from diffirl.probe.work_model import LoopWork, expert_windows, stage_work

from .projects import copy_project


@pytest.fixture(scope="module")
def paper():
    return compose("paper")


def test_the_probe_keeps_every_size_of_the_paper_scale_and_caps_every_count(paper):
    probe = probe_settings(paper)
    validate_params(probe, "probe")
    caps = paper["probe"]["caps"]
    for env in ("umaze", "large", "halfcheetah"):
        for key in ("horizon", "n_diffusion_steps", "dim", "dim_mults", "batch_size"):
            assert probe["diffusers"][env][key] == paper["diffusers"][env][key]
        assert probe["diffusers"][env]["n_train_steps"] == caps["training_steps"]
        learning, scale_learning = probe["reward_learning"][env], paper["reward_learning"][env]
        assert (learning["batch_size"], learning["hidden"]) == (scale_learning["batch_size"], scale_learning["hidden"])
        assert {loss["epochs"] for loss in learning["losses"].values()} == {caps["epochs"]}
        # one whole reward-learning batch of the scale's windows, not a smaller one
        batch = min(learning["batch_size"], expert_windows(paper, env))
        assert batch <= expert_windows(probe, env)
        if env != "halfcheetah":  # (HalfCheetah's windows also make GAIL's and AIRL's demonstration batch)
            assert expert_windows(probe, env) < batch + learning["batch_size"]
        for key in ("rollouts_per_start", "start_cells", "replan_every"):
            assert probe["evaluation"][env][key] == paper["evaluation"][env][key]
        assert probe["evaluation"][env]["steps"] == caps["planning_steps"] * paper["evaluation"][env]["replan_every"]
    assert probe["datasets"]["large"]["generate"]["n_transitions"] == caps["transitions"]
    assert probe["experts"]["umaze"]["replan_every"] == paper["diffusers"]["umaze"]["horizon"] - 1


def test_the_work_model_prices_the_paper_scale_in_the_units_the_stages_count(paper):
    by_name = {stage.name: stage for stage in dag.study_stages()}
    work = {w.loop: w for w in stage_work(by_name["train_diffuser_large"].cmd, paper)}
    assert work["train diffuser"].units == paper["diffusers"]["large"]["n_train_steps"]
    evaluate = {w.loop: w.units for w in stage_work(by_name["evaluate_umaze"].cmd, paper)}
    rollouts = len(paper["evaluation"]["umaze"]["start_cells"]) * paper["evaluation"]["umaze"]["rollouts_per_start"]
    # base, true reward and the three losses side by side, a plan every step
    assert evaluate == {"rollouts umaze": 5 * rollouts * 128, "plans": 5 * rollouts * 128}
    assert stage_work(by_name["table1"].cmd, paper) == []


def test_the_probe_of_one_environment_runs_only_its_chain():
    names = {stage.name for stage in probed_stages(dag.study_stages(), ["halfcheetah"])}
    assert {"dataset_halfcheetah", "table3", "evaluate_halfcheetah", "train_baseline_halfcheetah_airl"} <= names
    assert not {"dataset_umaze", "table1", "table2", "claims", "report"} & names
    assert len(probed_stages(dag.study_stages(), ["umaze", "large", "halfcheetah"])) == len(dag.study_stages())


def probe_stage(name: str, code: str) -> dag.Stage:
    return dag.Stage(name=name, cmd=f"{sys.executable} -c {code!r}", deps=(), outs=(), params=("diffusers.large",))


def test_a_stage_past_the_memory_limit_is_stopped_and_reported(tmp_path):
    grows = "import time; block = bytearray(400 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(30)"
    started = time.monotonic()
    run = run_one(probe_stage("too_big", grows), tmp_path, 1, memory_limit_mb=200, time_limit_s=60)
    assert run.status == MEMORY_LIMIT and time.monotonic() - started < 15
    assert "200 MB" in run.note and run.peak_rss_mb > 200


def test_a_stage_past_the_time_limit_is_stopped_and_priced_from_what_it_finished(tmp_path):
    loop = (
        "import time; from diffirl.progress import progress_bar; "
        "[time.sleep(0.1) for _ in progress_bar(range(1000), desc='train diffuser', work_batch=2)]"
    )
    run = run_one(probe_stage("slow", loop), tmp_path, 1, memory_limit_mb=4000, time_limit_s=3)
    assert run.status == TIME_LIMIT and 3 <= run.seconds < 10
    (cost,) = loop_costs(
        run, [LoopWork("train diffuser", "training step", 50)], [LoopWork("train diffuser", "training step", 10_000)]
    )
    assert 10 <= cost.recorded_units / 2 < 40  # finished iterations, two units each
    assert cost.seconds_per_unit == pytest.approx(0.05, rel=0.3)


def test_a_stage_that_shared_the_cpu_with_other_processes_is_flagged_as_not_quietly_timed(tmp_path):
    cores = len(os.sched_getaffinity(0))
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(cores)]
    try:
        time.sleep(0.5)
        run = run_one(probe_stage("beside", "import time; time.sleep(2)"), tmp_path, 1, 4000, time_limit_s=60)
    finally:
        for burner in burners:
            burner.kill()
    assert run.status == COMPLETED and run.other_cpu_cores > cores - 0.75
    assert run.note.startswith("other processes used") and run.note.endswith(NOT_QUIET)


def test_a_stage_that_fails_stops_the_probe_with_one_line_naming_it_and_its_settings(tmp_path):
    code = "import sys; print('working'); sys.exit('error: the U-Net cannot downsample horizon 100')"
    with pytest.raises(StageFailed) as error:
        run_one(probe_stage("broken", code), tmp_path, 1, memory_limit_mb=4000, time_limit_s=60)
    last = str(error.value).splitlines()[-1]
    assert last.startswith("probe: stage broken failed after")
    assert "horizon 100" in last and "diffusers.large" in last


def test_a_broken_paper_setting_is_refused_in_seconds_naming_it(root, tmp_path, paper):
    broken = paper | {"diffusers": paper["diffusers"] | {"large": paper["diffusers"]["large"] | {"horizon": 100}}}
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump(broken))
    started = time.monotonic()
    answer = subprocess.run(
        [sys.executable, "stages/probe.py", "--params", str(params)], cwd=root, capture_output=True, text=True
    )
    assert answer.returncode != 0 and time.monotonic() - started < 60
    (line,) = [line for line in answer.stderr.splitlines() if line.startswith("error:")]
    assert "diffusers.large" in line and "horizon (100)" in line


def test_loop_costs_price_each_loop_by_its_own_time_and_the_rest_as_fixed():
    records = [
        {"loop": "rollouts umaze", "id": 0, "depth": 0, "parent": None, "iterations": 2, "batch": 10, "seconds": 9.0},
        {"loop": "plans", "id": 1, "depth": 1, "parent": 0, "iterations": 1, "batch": 10, "seconds": 3.0},
        {"loop": "plans", "id": 2, "depth": 1, "parent": 0, "iterations": 1, "batch": 10, "seconds": 4.0},
        # a loop the model does not price is part of what runs it
        {"loop": "unpriced", "id": 3, "depth": 1, "parent": 0, "iterations": 5, "batch": 1, "seconds": 1.0},
    ]
    run = StageRun("evaluate_umaze", COMPLETED, seconds=12.0, peak_rss_mb=500.0, records=records)
    probe = [LoopWork("rollouts umaze", "environment step", 20), LoopWork("plans", "plan", 20)]
    scale = [LoopWork("rollouts umaze", "environment step", 2000), LoopWork("plans", "plan", 200)]
    rollouts, plans = loop_costs(run, probe, scale)
    assert rollouts.seconds == pytest.approx(2.0) and plans.seconds == pytest.approx(7.0)
    cost = StageCost(run, [rollouts, plans], threads=1, gpu=True)
    assert cost.fixed_seconds == pytest.approx(3.0)
    assert cost.projected_seconds == pytest.approx(3.0 + 2.0 / 20 * 2000 + 7.0 / 20 * 200)
    assert cost.model_matches and cost.row()["projected_hours"] == pytest.approx(
        cost.projected_seconds / 3600, abs=1e-4
    )


def test_slurm_resources_come_from_the_cost_table_and_parse(root, tmp_path):
    project = copy_project(root, tmp_path)
    costs = pd.DataFrame(
        [
            {"stage": "train_diffuser_large", "projected_hours": 10.0, "peak_rss_mb": 2000.0, "threads": 2},
            {"stage": "evaluate_large", "projected_hours": 0.5, "peak_rss_mb": 1000.0, "threads": 2},
            {"stage": "total", "projected_hours": 10.5, "peak_rss_mb": 2000.0, "threads": None},
        ]
    )
    costs.to_csv(project / paths.PAPER_COST, index=False)
    profile = project / "workflow/profiles/slurm"
    arguments = ["--costs", str(project / paths.PAPER_COST), "--profile", str(profile)]
    slurm_resources([*arguments, "--params", str(project / "params.yaml")])
    first = (profile / "config.yaml").read_text()
    slurm_resources([*arguments, "--params", str(project / "params.yaml")])
    assert (profile / "config.yaml").read_text() == first  # regenerated, not appended
    config = yaml.safe_load(first)
    margins = compose("smoke")["probe"]["slurm"]
    expected_minutes = 10 * 60 * margins["runtime_factor"] + margins["runtime_extra_minutes"]
    assert config["set-resources"]["train_diffuser_large"]["runtime"] == expected_minutes
    assert config["set-resources"]["train_diffuser_large"]["cpus_per_task"] == 2
    # a variant's copy of a stage asks what the stage asks
    assert (
        config["set-resources"]["reward_training_seed_1__evaluate_large"] == config["set-resources"]["evaluate_large"]
    )
    assert config["default-resources"]["mem_mb"] == 8000 and "table1" not in config["set-resources"]
    # the dry run of the profile shows each rule's own resources, and the profile's defaults elsewhere
    dry = subprocess.run(
        ["snakemake", "--profile", str(profile), "-n", "train_diffuser_large"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0, dry.stderr[-3000:]
    jobs = dict(re.findall(r"^rule (\w+):.*?^\s+resources: ([^\n]+)", dry.stdout + dry.stderr, re.M | re.S))
    asked = config["set-resources"]["train_diffuser_large"]
    assert f"mem_mb={asked['mem_mb']}," in jobs["train_diffuser_large"]
    assert f"runtime={asked['runtime']}," in jobs["train_diffuser_large"]
    assert "mem_mb=8000," in jobs["dataset_large"] and "runtime=240," in jobs["dataset_large"]


def test_the_device_follows_the_setting_and_a_stage_reports_where_it_ran(tmp_path, monkeypatch):
    import torch

    from diffirl.device import resolve_device

    if not torch.cuda.is_available():
        assert resolve_device("auto").type == "cpu"
        with pytest.raises(RuntimeError, match="no CUDA device"):
            resolve_device("cuda")
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        assert resolve_device("auto").type == "cuda"  # auto takes a GPU where torch sees one
        monkeypatch.undo()
    code = "import sys; sys.path.insert(0, 'stages'); from _common import run_stage; run_stage(lambda: None)"
    stage = dag.Stage(name="device", cmd=f"{sys.executable} -c {code!r}", deps=(), outs=(), params=())
    (tmp_path / "stages").symlink_to(Path(__file__).parents[1] / "stages")
    run = run_one(stage, tmp_path, 1, memory_limit_mb=4000, time_limit_s=60)
    assert run.status == COMPLETED
    assert run.device == (torch.cuda.get_device_name() if torch.cuda.is_initialized() else "cpu")


def test_a_loop_seen_more_than_once_is_priced_by_its_later_iterations_and_its_first_as_measured():
    # the first iteration carries one-off costs (5 s here); each later one takes 1 s
    records = [
        {"loop": "train diffuser", "id": 0, "depth": 0, "parent": None, "iterations": i, "batch": 1, "seconds": s}
        for i, s in ((1, 5.0), (2, 6.0), (3, 7.0))
    ]
    run = StageRun("train_diffuser_large", COMPLETED, seconds=9.0, peak_rss_mb=500.0, records=records)
    (loop,) = loop_costs(
        run, [LoopWork("train diffuser", "training step", 3)], [LoopWork("train diffuser", "training step", 100)]
    )
    assert loop.seconds_per_unit == pytest.approx(1.0)
    assert loop.projected_seconds == pytest.approx(5.0 + 99 * 1.0)
    assert StageCost(run, [loop], threads=2, gpu=True).fixed_seconds == pytest.approx(2.0)


def test_a_stage_that_does_not_fit_is_run_again_with_its_memory_saving_setting_and_only_then(paper):
    from diffirl.probe.runner import memory_saver, with_setting

    by_name = {stage.name: stage for stage in dag.study_stages()}
    off = with_setting(paper, "reward_learning.large.gradient_checkpointing", False)
    assert paper["reward_learning"]["large"]["gradient_checkpointing"] is True  # the paper scale turns it on
    assert memory_saver(by_name["learn_reward_large_mse"], off) == "reward_learning.large.gradient_checkpointing"
    assert memory_saver(by_name["learn_reward_large_mse"], paper) is None  # on already: nothing to try
    assert memory_saver(by_name["evaluate_large"], off) is None  # no setting saves memory there
