"""The whole DAG at smoke scale, in a copy of the project: the study, the comparison with the
relative reward and reward transfer through both front ends, the rest through Snakemake alone.

`dvc repro` runs one stage at a time, so each stage it runs is on the suite's critical path.
It builds the study, the comparison and reward transfer; Snakemake builds everything, and every
stage both ran is compared byte for byte between the two. A variant's stages are the study's
commands with the variant's arguments: reward transfer reads the per-step rewards of the
recovery variant ``recovery_per_step``, so DVC runs that code too; the remedies, the
conventions, the variants' tables, the recovery benchmark and the probe run under Snakemake
alone, two at a time.
"""

import json
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from diffirl import dag, paths
from diffirl.data.format import read_dataset, read_provenance
from diffirl.envs.registry import ENVIRONMENTS
from diffirl.methods import baselines_with_rewards, methods_for
from diffirl.probe.runner import probed_stages
from diffirl.transfer import LEARNER_NAMES
from diffirl.transfer.rewards import REWARDS
from diffirl.transfer.steering import steering_names
from diffirl.variants import VARIANTS, in_group

from .projects import copy_project, kill_when, run

pytestmark = pytest.mark.e2e

# A guard against a hung run, not a speed test: on a busy 2-core machine the smoke DAG through
# DVC (one stage at a time, beside Snakemake's two jobs) has taken over 15 minutes.
WHOLE_DAG_TIMEOUT = 1800

#: the stages `make study` needs
STUDY = [stage.name for stage in dag.target_stages("study")]
#: what DVC runs here: the study, the comparison with Nuti et al.'s relative reward, reward transfer
BY_DVC = list(
    dict.fromkeys(STUDY + [stage.name for target in ("compare", "transfer") for stage in dag.target_stages(target)])
)
#: the stages DVC is given, which it builds with everything they need: BY_DVC
DVC_TARGETS = list(
    dict.fromkeys(dag.final_stages("study") + dag.final_stages("compare") + dag.final_stages("transfer"))
)


@pytest.fixture(scope="module")
def smoke_runs(root, tmp_path_factory):
    """Both front ends' smoke runs of the DAG, each in its own copy, started together.

    `dvc repro` runs one stage at a time, so Snakemake's runs (Table 3 alone, then the rest
    two jobs at a time) share the machine with it rather than waiting for it.
    """
    dvc = copy_project(root, tmp_path_factory.mktemp("dvc"))
    snakemake = copy_project(root, tmp_path_factory.mktemp("snakemake"))

    def snakemake_runs():
        table3_log = run(snakemake, "snakemake", str(paths.TABLE3))
        after_table3 = {
            str(p.relative_to(snakemake)) for top in ("data", "reports") for p in (snakemake / top).rglob("*")
        }
        everything_log = run(snakemake, "snakemake", "--cores", "2", timeout=WHOLE_DAG_TIMEOUT)
        return table3_log, after_table3, everything_log

    with ThreadPoolExecutor(2) as pool:
        dvc_run = pool.submit(run, dvc, "dvc", "repro", *DVC_TARGETS, timeout=WHOLE_DAG_TIMEOUT)
        yield dvc, dvc_run, snakemake, pool.submit(snakemake_runs)


@pytest.fixture(scope="module")
def dvc_project(smoke_runs):
    project, dvc_log, _, _ = smoke_runs
    return project, dvc_log.result()


@pytest.fixture(scope="module")
def snakemake_project(smoke_runs):
    """After `snakemake reports/table3.csv` alone: the log and the files that existed then."""
    _, _, project, snakemake_logs = smoke_runs
    table3_log, after_table3, _ = snakemake_logs.result()
    return project, table3_log, after_table3


@pytest.fixture(scope="module")
def snakemake_everything(smoke_runs):
    """The rest of the DAG, after Table 3 alone, in the same project (2 jobs at a time)."""
    _, _, project, snakemake_logs = smoke_runs
    return project, snakemake_logs.result()[2]


def check_table3(project: Path) -> pd.DataFrame:
    table = pd.read_csv(project / paths.TABLE3)
    assert list(table["dataset"]) == ["medium-replay", "medium", "expert"]
    numbers = table.drop(columns="dataset")
    assert numbers.notna().all().all()
    assert (table["segments"] > 0).all()
    assert (table["action_norm_mean"] > 0).all() and (table["action_norm_mean"] <= 6**0.5).all()
    assert list(table["thesis_discounted_return_mean"]) == [285.54, 442.01, 1001.77]
    return table


def test_dvc_runs_a_variants_stages_too():
    """The byte-for-byte comparison covers the variants' arguments (``--variant`` and what follows)."""
    assert any(name.startswith("recovery_per_step__") for name in BY_DVC)


def test_dvc_repro_builds_every_study_comparison_and_transfer_target(dvc_project):
    project, _ = dvc_project
    check_table3(project)
    for target in dag.final_targets("study") + dag.final_targets("compare") + dag.final_targets("transfer"):
        assert (project / target).stat().st_size > 0, target
    check_transfer(project)
    figure = (project / paths.dataset_figure("umaze")).read_bytes()
    assert figure.startswith(b"\x89PNG")
    leftovers = [p for p in (project / "data").rglob("*.tmp")] + [p for p in (project / "reports").rglob("*.tmp")]
    assert leftovers == []


def test_dvc_records_a_clean_state_and_skips_a_second_run(dvc_project):
    project, _ = dvc_project
    assert "up to date" in run(project, "dvc", "status", "--with-deps", *DVC_TARGETS)
    assert "Running stage" not in run(project, "dvc", "repro", *DVC_TARGETS)


def test_dvc_metrics_and_plots_load_and_fit_a_terminal(dvc_project, tmp_path):
    project, _ = dvc_project
    shown = run(project, "dvc", "metrics", "show")
    assert "failed to load" not in shown.lower()
    header, *rows = [line.split() for line in shown.splitlines() if line.strip()]
    assert header[0] == "Path" and len(header) <= 15
    summaries = {str(paths.summary_file(name)) for name in ("table1", "table1_erc", "table3", "table5", "claims")}
    assert summaries <= {row[0] for row in rows}
    # `dvc metrics diff` compares with the last commit's run: commit this one, as a user would
    run(project, "git", "add", "--all")
    run(project, "git", "-c", "user.name=e2e", "-c", "user.email=e2e@example.org", "commit", "-qm", "a smoke run")
    assert "failed to load" not in run(project, "dvc", "metrics", "diff").lower()
    plots = run(project, "dvc", "plots", "show", "--out", str(tmp_path / "plots"))
    assert "failed to load" not in plots.lower()
    assert (tmp_path / "plots" / "index.html").stat().st_size > 0


def test_datasets_carry_provenance_that_matches_them(dvc_project):
    project, _ = dvc_project
    from diffirl.data.format import sha256_of

    for environment in ("umaze", "large", "halfcheetah"):
        spec = dag.ENVIRONMENTS[environment]
        for split in spec.splits:
            path = project / paths.dataset_file(environment, split)
            record = read_provenance(path)
            assert record["sha256"] == sha256_of(path)
            assert record["transitions"] == len(read_dataset(path))
            assert record["source"] == "generate" and record["environment"] == environment
    replay = read_provenance(project / paths.dataset_file("halfcheetah", "medium-replay"))
    assert replay["transitions"] == replay["expert_run"]["medium_checkpoint_step"]
    maze = read_provenance(project / paths.dataset_file("umaze", "base"))
    assert maze["parameters"]["generate"]["n_transitions"] == maze["transitions"]


def test_snakemake_builds_table3_and_only_what_it_needs(snakemake_project):
    project, _, after_table3 = snakemake_project
    check_table3(project)
    assert str(paths.TABLE3) in after_table3
    assert str(paths.dataset_file("umaze", "base")) not in after_table3
    assert str(paths.dataset_file("large", "base")) not in after_table3
    assert str(paths.dataset_figure("umaze")) not in after_table3


def check_results_tables(project: Path, *, with_remedies: bool) -> None:
    for number, column in ((1, "return"), (2, "return"), (4, "discounted_return"), (5, "action_norm")):
        table = pd.read_csv(project / paths.results_table(number))
        assert table[f"{column}_mean"].notna().all(), number
        assert {"method", "label", f"{column}_std", f"thesis_{column}_mean", "vs_base_mean", "statistic"} <= set(
            table.columns
        )
        assert table["rollouts"].gt(0).all()
    table4 = pd.read_csv(project / paths.results_table(4))
    assert {"mse_best", "mmd_gauss_best", "mmd_matern_best"} <= set(table4["method"])
    claims = pd.read_csv(project / paths.CLAIMS)
    assert set(claims["table"]) == {1, 2, 4}
    assert set(claims["ours_verdict"]) <= {"holds", "does not hold"}  # every claim decided: all tables built
    if not with_remedies:
        return
    remedies = pd.read_csv(project / paths.REMEDIES)
    assert list(zip(remedies["variant"], remedies["loss"])) == [
        (variant.name, loss) for variant in in_group("remedies") for loss in variant.losses
    ]
    assert remedies[["mean", "base_mean", "lift_mean", "erc", "study_mean"]].notna().all().all()
    physical = remedies[remedies["variant"] == "physical_experts"].iloc[0]
    assert physical["expert_dynamics_error"] < 1e-8 < physical["study_expert_dynamics_error"]  # rollouts vs plans
    check_conventions(project)


def check_conventions(project: Path) -> None:
    table = pd.read_csv(project / paths.CONVENTIONS)
    expected = {
        (variant.name, environment)
        for variant in VARIANTS.values()
        if variant.group == "conventions"
        for environment in variant.environments
    }
    assert set(zip(table["variant"], table["environment"])) == expected
    rows = table.set_index(["variant", "method"])
    # the frame's constant moves every U-Maze return by -2 per step and, the guide's gradient
    # being the same, nothing else: the same experts, rewards and plans
    frame = rows.loc["published_frame"]
    steps = read_params(project)["evaluation"]["umaze"]["steps"]
    assert set(frame.index) == {"base", "true", *paths.LOSSES}
    assert list(frame["mean"] - frame["study_mean"]) == pytest.approx([-2.0 * steps] * len(frame), abs=1e-6)
    learnt = frame.drop("base")
    assert learnt["lift_mean"].to_numpy() == pytest.approx(learnt["study_lift_mean"].to_numpy(), abs=1e-6)
    # the shaped ERC re-scores AIRL's network alone: the policies' returns are the study's
    shaped = rows.loc["published_shaped_erc"]
    assert set(shaped.index) == set(paths.BASELINES)
    assert (shaped["mean"] == shaped["study_mean"]).all()
    assert shaped.loc["airl", "erc"] != shaped.loc["airl", "study_erc"]
    matern = rows.loc["published_matern_estimator"]
    assert (
        set(matern.index) == {"base", "mmd_matern"} and matern.loc["base", "mean"] == matern.loc["base", "study_mean"]
    )
    assert (project / paths.CONVENTIONS_HTML).stat().st_size > 0


def read_params(project: Path) -> dict:
    import yaml

    return yaml.safe_load((project / "params.yaml").read_text())


def test_dvc_builds_every_results_table_and_the_claims(dvc_project):
    check_results_tables(dvc_project[0], with_remedies=False)


def test_snakemake_builds_every_target_too(snakemake_everything):
    project, _ = snakemake_everything
    for target in dag.final_targets():
        assert (project / target).stat().st_size > 0, target
    check_results_tables(project, with_remedies=True)
    check_recovery(project)
    check_probe(project)
    check_transfer(project)


def check_probe(project: Path) -> None:
    """The smoke probe priced every stage of its environments, counting the units each stage did."""
    params = read_params(project)
    stages = pd.read_csv(project / paths.PAPER_COST).set_index("stage")
    probed = {stage.name for stage in probed_stages(dag.study_stages(), params["probe"]["environments"])}
    assert set(stages.index) == probed | {"total"}
    assert (stages.drop("total")["status"] == "completed").all()
    assert stages.drop("total")[["projected_hours", "peak_rss_mb", "other_cpu_cores"]].notna().all().all()
    assert (stages.drop("total")["device"] == "cpu").all()
    assert stages.loc["total", "projected_hours"] == pytest.approx(
        stages.drop("total")["projected_hours"].sum(), abs=1e-3
    )
    loops = pd.read_csv(project / paths.PAPER_COST_LOOPS)
    assert len(loops) and (loops["probe_units"] == loops["recorded_units"]).all(), loops
    assert (loops["seconds_per_unit"] > 0).all()
    assert "fixed part" in (project / paths.PAPER_COST_HTML).read_text()


def check_recovery(project: Path) -> None:
    """The leaderboard holds every member's learnt rewards and the controls, which behave as theory says."""
    table = pd.read_csv(project / paths.RECOVERY)
    learnt = table[table["kind"] == "learnt"]
    members = {"thesis"} | {
        v.name.removeprefix("recovery_") for v in in_group("recovery") if v.name != "recovery_per_step"
    }
    assert set(learnt["member"]) == members
    thesis = set(learnt.loc[learnt["member"] == "thesis", "method"])
    assert thesis == set(paths.LOSSES) | {f"{loss}_per_step" for loss in paths.LOSSES}
    # EPIC where a per-transition reward exists: the per-step networks, not the study's window networks
    per_step = learnt["method"].str.endswith("_per_step")
    assert learnt.loc[per_step, ["epic_dataset", "epic_uniform"]].notna().all().all()
    assert learnt.loc[~per_step, ["epic_dataset", "epic_uniform"]].isna().all().all()
    assert table[["recovery_ratio", "erc", "gradient_cosine", "cosine_low", "cosine_high"]].notna().all().all()
    baselines = table[table["kind"] == "baseline"]
    assert list(baselines["method"]) == list(baselines_with_rewards())
    assert baselines[["epic_dataset", "epic_uniform", "recovery_ratio"]].notna().all().all()
    compared = table[table["kind"] == "compared"]  # Nuti et al.'s relative reward, per transition for EPIC
    assert list(compared["method"]) == ["relative"]
    assert compared[["epic_dataset", "epic_uniform", "recovery_ratio", "erc"]].notna().all().all()
    controls = table[table["kind"] == "control"].set_index("method")
    assert list(controls.index) == ["rescaled", "shaped", "sign_flipped"]
    assert controls.loc[["rescaled", "shaped"], ["epic_dataset", "epic_uniform"]].abs().max().max() < 1e-6
    assert (controls.loc["sign_flipped", ["epic_dataset", "epic_uniform"]] - 1).abs().max() < 1e-6
    assert controls.loc["rescaled", "gradient_cosine"] == pytest.approx(1.0, abs=1e-4)
    assert controls.loc["sign_flipped", "gradient_cosine"] == pytest.approx(-1.0, abs=1e-4)
    # ERC is a Pearson distance too: 0 for the rescaled reward, 1 for the negated
    assert controls.loc["rescaled", "erc"] == pytest.approx(0.0, abs=1e-6)
    assert controls.loc["sign_flipped", "erc"] == pytest.approx(1.0, abs=1e-6)
    page = (project / paths.RECOVERY_HTML).read_text()
    assert "as predicted" in page and "NOT as predicted" not in page


def check_transfer(project: Path) -> None:
    """Every learner trained on every reward, both diffusers steered by every learnt reward; each row
    paired with the same learner on the true reward and with that learner's one control."""
    table = pd.read_csv(project / paths.TRANSFER)
    diffusers = ["diffuser_original", "diffuser_independent"]
    assert list(table["learner"].unique()) == [*LEARNER_NAMES, *diffusers]
    for learner, rows in table.groupby("learner", sort=False):
        expected = REWARDS if learner in LEARNER_NAMES else ("true", "base", *steering_names())
        assert list(rows["reward"]) == list(expected)
        true = rows[rows["reward"] == "true"].iloc[0]
        assert true["transfer_score"] == 1.0 and true["lift_mean"] == 0.0
        assert (rows["kind"] == "control").sum() == 1
    columns = ["return_mean", "transfer_score", "score_low", "score_high", "over_control_mean"]
    assert table[columns].notna().all().all() and (table["score_low"] <= table["score_high"]).all()
    assert (project / paths.TRANSFER_HTML).read_text().count("on the true reward it returns") == 2 * len(
        table["learner"].unique()
    )


def test_the_report_reads_in_a_1280_pixel_browser_window_with_each_figure_under_its_table(dvc_project):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed here (.ci/run installs it)")
    project, _ = dvc_project
    page = project / paths.REPORT_HTML
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2400"]
    dom = run(project, chromium, *flags, "--virtual-time-budget=15000", "--dump-dom", f"file://{page}")
    body = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', re.search(r"<body[^>]*>", dom).group(0)))
    assert body["images-decoded"] == "true", body
    forests = [paths.forest_figure(n) for n in (1, 2, 4)]
    assert int(body["image-count"]) == len(dag.report_inputs()["figures"]) + len(forests), body
    # no table wider than the page, and no sideways scrolling at 1280 px
    assert int(body["widest-table"]) <= int(body["page-width"]), body
    assert int(body["page-scroll-width"]) <= int(body["page-width"]), body
    summary = re.search(r"<section id=\"summary\">(.*?)</section>", dom, re.S).group(1)
    assert re.search(r"\d+ of the thesis's \d+ claims hold on this run", summary)
    assert all(f"Table {n} (" in summary for n in (1, 2, 3, 4, 5))
    sections = dict(re.findall(r'<section id="(\w+)">(.*?)</section>', dom, re.S))
    assert list(sections)[:7] == ["summary", "table1", "table2", "table3", "table4", "table5", "claims"]
    from diffirl.reports.figure_guide import figure_table

    for figure in map(Path, dag.report_inputs()["figures"]):
        home = f"table{figure_table(figure)}" if figure_table(figure) else "appendix"
        assert f'data-figure="{figure.stem}"' in sections[home], (figure, home)
    assert "1.475e+04" not in dom and not re.search(r"\d\.\d+e[+-]\d", sections["table2"])
    screenshot = project / "reports" / "report_screenshot.png"
    run(project, chromium, *flags, f"--screenshot={screenshot}", f"file://{page}")
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    kept = Path(__file__).resolve().parent.parent / ".pytest_artifacts"  # the screenshot outlives the temporary project
    kept.mkdir(exist_ok=True)
    shutil.copy(screenshot, kept / "report_screenshot.png")
    markdown = (project / paths.REPORT_MARKDOWN).read_text()
    for figure in [*dag.report_inputs()["figures"], *map(str, forests)]:
        assert Path(figure).name in markdown


def test_transfer_training_killed_after_a_checkpoint_resumes_to_the_uninterrupted_result(
    root, snakemake_everything, tmp_path
):
    """SIGKILL of TD3+BC's stage part-way through its second reward, in a copy holding what it reads;
    the rerun resumes and writes what Snakemake's uninterrupted run of it wrote."""
    built, _ = snakemake_everything
    project = copy_project(root, tmp_path)
    stage = next(stage for stage in dag.pipeline_stages() if stage.name == "transfer_td3_bc_umaze")
    for dep in (Path(dep) for dep in stage.deps if dep.startswith("data/")):
        (project / dep).parent.mkdir(parents=True, exist_ok=True)
        for file in (dep, dep.with_suffix(".json")):  # a dataset's provenance beside it
            if (built / file).exists():
                shutil.copy2(built / file, project / file)
    command, output = stage.cmd.split(), paths.transfer_metrics("umaze", "td3_bc")
    second = project / paths.transfer_checkpoint("umaze", "td3_bc", REWARDS[1])
    process = subprocess.Popen(command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(process, second.exists, timeout=300)
    assert not (project / output).exists()
    run(project, *command)
    resumed = without_wall_clock(json.loads((project / output).read_text()))
    assert resumed["rewards"][REWARDS[1]]["training"]["resumed_from_update"] > 0
    uninterrupted = without_wall_clock(json.loads((built / output).read_text()))
    assert without_resume_points(resumed) == without_resume_points(uninterrupted)


def without_resume_points(metrics: dict) -> dict:
    """A transfer stage's metrics less the update each reward's training resumed from."""
    return {
        name: {**result, "training": {k: v for k, v in result["training"].items() if k != "resumed_from_update"}}
        for name, result in metrics["rewards"].items()
    }


def test_snakemake_records_stage_benchmarks_and_builds_its_own_report(snakemake_everything):
    project, _ = snakemake_everything
    for stage in ("table3", "evaluate_umaze", "report"):
        assert (project / paths.benchmark_file(stage)).is_file(), stage
    run(project, "snakemake", "--report", "reports/snakemake_report.zip")
    assert (project / "reports/snakemake_report.zip").stat().st_size > 0


# the only fields in which two runs of a stage from the same seeds may differ
WALL_CLOCK_FIELDS = {"seconds", "seconds_this_run"}


def without_wall_clock(value):
    if isinstance(value, dict):
        return {key: without_wall_clock(item) for key, item in value.items() if key not in WALL_CLOCK_FIELDS}
    return [without_wall_clock(item) for item in value] if isinstance(value, list) else value


def test_every_stage_both_ran_writes_the_same_bytes_under_either_front_end(dvc_project, snakemake_everything):
    """Every study, single-convention and comparison stage ran twice from the same seeds, one at a
    time under DVC and two side by side under Snakemake: models, datasets, rollouts, tables and
    figures agree byte for byte."""
    compared = 0
    for stage in (stage for stage in dag.pipeline_stages() if stage.name in BY_DVC):
        if stage.name == "report":  # its provenance and stage times describe the run
            continue
        for output in stage.all_outputs:
            by_dvc, by_snakemake = dvc_project[0] / output, snakemake_everything[0] / output
            if output.endswith(".json"):
                ours, theirs = (without_wall_clock(json.loads(p.read_text())) for p in (by_dvc, by_snakemake))
                assert ours == theirs, output
            else:
                assert by_dvc.read_bytes() == by_snakemake.read_bytes(), output
            compared += 1
    assert compared > 150


def test_the_comparison_tables_put_the_relative_reward_beside_the_study(dvc_project):
    """Nuti et al.'s relative reward, steered with settings chosen on the selection's seeds, in a
    table of every method, paired with the study's base diffuser on the same rollouts."""
    project, _ = dvc_project
    for environment in ("umaze", "large", "halfcheetah"):
        table = pd.read_csv(project / paths.comparison_results_table(environment)).set_index("method")
        expected = [m.name for m in methods_for(ENVIRONMENTS[environment].has_true_reward_guide, comparison=True)]
        assert [name for name in table.index if not name.endswith("_best")] == expected
        assert expected[expected.index("relative") :] == ["relative", "discriminator", "bc", "gail", "airl"]
        metrics = json.loads((project / paths.comparison_metrics(environment)).read_text())
        steering = yaml.safe_load((project / "params.yaml").read_text())["relative_reward"][environment]["steering"]
        for method, label in (
            ("relative", "Diffuser (Relative Reward)"),
            ("discriminator", "Diffuser (Discriminator)"),
        ):
            row = table.loc[method]
            assert row["label"] == label
            assert np.isfinite([row["erc"], row["vs_base_low"], row["vs_base_high"]]).all()
            selection = json.loads((project / paths.steering_selection(environment, method)).read_text())
            assert (
                selection["chosen"]["scale"] in steering["scales"] and selection["seed"] == steering["selection_seed"]
            )
            assert metrics[method]["steering"] == selection["chosen"]


def downstream(stage_names: set[str]) -> set[str]:
    """The stages given and every stage that depends on them, directly or not."""
    stages = dag.pipeline_stages()
    closed = set(stage_names)
    while True:
        outputs = {out for stage in stages if stage.name in closed for out in stage.all_outputs}
        grown = closed | {stage.name for stage in stages if outputs & set(stage.deps)}
        if grown == closed:
            return closed
        closed = grown


def planned_by_both(project: Path, target: str) -> tuple[set[str], set[str]]:
    """(what DVC would re-run of the target's stages, with everything of them after it; what
    Snakemake would re-run for the target)."""
    dvc_targets = dag.final_stages(target)  # `all` leaves the paper-sized targets out
    by_dvc = set(re.findall(r"Running stage '(\w+)'", run(project, "dvc", "repro", "--dry", *dvc_targets)))
    by_snakemake = set(re.findall(r"^rule (\w+):", run(project, "snakemake", "--dry-run", target), re.M)) - {target}
    within = {stage.name for stage in dag.target_stages(target)}
    return downstream(by_dvc) & within, by_snakemake


def test_after_a_dvc_run_and_a_sync_both_front_ends_see_the_same_changes(dvc_project):
    project, _ = dvc_project
    run(project, "python", "-m", "diffirl.sync", "dvc", "--target", "study")
    assert planned_by_both(project, "study") == (set(), set())
    params, code = project / "params.yaml", project / "stages" / "kwindows.py"
    original_params, original_code = params.read_text(), code.read_text()

    for path in (code, project / "diffirl" / "io.py", params):  # touched, unchanged
        path.touch()
    assert planned_by_both(project, "study") == (set(), set())

    params.write_text(re.sub(r"(kwindows:\n  umaze:\n    k:) \d+", r"\1 3", original_params))
    by_dvc, by_snakemake = planned_by_both(project, "study")
    assert "kwindows_umaze" in by_dvc and by_dvc == by_snakemake
    params.write_text(original_params)

    code.write_text(original_code + "\n# an edit\n")
    by_dvc, by_snakemake = planned_by_both(project, "study")
    assert {"kwindows_umaze", "kwindows_large", "kwindows_halfcheetah"} <= by_dvc and by_dvc == by_snakemake
    code.write_text(original_code)
    assert planned_by_both(project, "study") == (set(), set())


def test_after_a_snakemake_run_and_a_sync_dvc_has_nothing_to_do(snakemake_everything):
    # what `make study` does: Snakemake runs the DAG two stages at a time, DVC records it
    project, _ = snakemake_everything
    # an edit of a script only the remedies' table runs (an edit of a study stage's script would
    # also re-run the probe, which runs every study stage again)
    edited = project / "stages" / "remedies.py"
    with pytest.raises(AssertionError, match="still has jobs"):
        edited.write_text(edited.read_text() + "\n# edit\n")
        run(project, "python", "-m", "diffirl.sync", "snakemake")
    run(project, "snakemake", "--cores", "2")
    outputs = [project / out for stage in dag.target_stages("all") for out in stage.all_outputs]
    modified = {out: out.stat().st_mtime_ns for out in outputs}
    run(project, "python", "-m", "diffirl.sync", "snakemake")
    assert {out: out.stat().st_mtime_ns for out in outputs} == modified  # recording touches no output
    assert planned_by_both(project, "all") == (set(), set())
    # a second `make study` that ran nothing has nothing to record, and says so at once
    assert "nothing new to record" in run(project, "python", "-m", "diffirl.sync", "snakemake")


def test_a_variant_edit_re_runs_its_own_stages_and_of_the_study_only_the_report(snakemake_everything):
    # what `make study` and `make remedies` rely on: each target plans only its own stages
    project, _ = snakemake_everything
    params = project / "params.yaml"
    original = params.read_text()
    params.write_text(original.replace("step_embedding_dim: 4", "step_embedding_dim: 6"))
    try:
        # the report hashes params.yaml for its provenance: the study's only re-run
        study = set(re.findall(r"^rule (\w+):", run(project, "snakemake", "--dry-run", "study"), re.M))
        assert study == {"report", "study"}
        planned = set(re.findall(r"^rule (\w+):", run(project, "snakemake", "--dry-run", "remedies"), re.M))
        assert planned == {
            "step_conditioned_reward__learn_reward_halfcheetah_mse",
            "step_conditioned_reward__learn_reward_halfcheetah_mmd_matern",
            "step_conditioned_reward__evaluate_halfcheetah",
            "remedies_table",
            "remedies",
        }
        with pytest.raises(AssertionError, match="still has jobs"):
            run(project, "python", "-m", "diffirl.sync", "snakemake", "--target", "remedies")
    finally:
        params.write_text(original)


def test_a_loss_extension_learns_from_its_members_experts_with_its_members_settings(snakemake_everything):
    # make recovery_full's extensions are not in `snakemake` alone: build one, after its member (make recovery's)
    project, _ = snakemake_everything
    run(project, "snakemake", "--cores", "2", "recovery_corner_nw_other_losses")
    member, extension = "recovery_corner_nw", "recovery_corner_nw_other_losses"
    for loss in ("mse", "mmd_matern"):
        assert (project / paths.variant_path(extension, paths.learnt_reward("umaze", loss))).stat().st_size > 0
    assert not (project / paths.variant_path(extension, paths.experts_file("umaze"))).exists()  # the member's
    evaluations = [
        json.loads((project / paths.variant_path(v, paths.evaluation_metrics("umaze"))).read_text())
        for v in (member, extension)
    ]
    # the same starts, seeds and settings: the unguided and the member's true-reward rollouts match exactly
    for method in ("base", "true"):
        assert evaluations[0][method]["returns"] == evaluations[1][method]["returns"], method
    assert set(evaluations[1]) >= {"mse", "mmd_matern"} and "mmd_gauss" not in evaluations[1]


def test_halfcheetahs_learners_train_on_its_recorded_reward_and_per_step_rewards(snakemake_everything):
    # make transfer_full's HalfCheetah learner: the per-step variant's three networks first, then TD3+BC
    project, _ = snakemake_everything
    output = paths.transfer_metrics("halfcheetah", "td3_bc")
    run(project, "snakemake", "--cores", "2", str(output))
    results = json.loads((project / output).read_text())["rewards"]
    assert set(results) == set(REWARDS)
    assert "the simulator's as the data recorded it" in results["true"]["reward"]
    returns = {name: np.asarray(result["scores"]["returns"]) for name, result in results.items()}
    assert all(np.isfinite(r).all() and len(r) == len(returns["true"]) for r in returns.values())
    assert not np.array_equal(returns["true"], returns["shuffled"])
    # the per-step networks exist; their variant evaluates nothing (reward transfer does)
    variant = "halfcheetah_per_step"
    assert (project / paths.variant_path(variant, paths.learnt_reward("halfcheetah", "mse"))).stat().st_size > 0
    assert not (project / paths.variant_path(variant, paths.evaluation_metrics("halfcheetah"))).exists()
