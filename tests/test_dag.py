"""DVC and Snakemake run the same DAG: same stages, commands, inputs and outputs."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from dvc.dependency.param import ParamsDependency
from dvc.repo import Repo

from diffirl import dag, paths
from diffirl.stage_families import STAGE_FAMILIES, StageFamily, register_stage_family


def dvc_graph(root: Path) -> dict:
    with Repo(str(root)) as repo:
        return {
            stage.name: {
                "cmd": stage.cmd,
                "deps": {d.def_path for d in stage.deps if not isinstance(d, ParamsDependency)},
                "outs": {o.def_path for o in stage.outs},
                "params": {key for d in stage.deps if isinstance(d, ParamsDependency) for key in d.params},
            }
            for stage in repo.index.stages
        }


def snakemake_plan(root: Path, *targets: str) -> dict:
    """Jobs of a forced dry run towards ``targets``, as Snakemake itself prints them."""
    plan = subprocess.run(
        ["snakemake", "--dry-run", "--forceall", "--printshellcmds", *targets],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    jobs: dict[str, dict] = {}
    for block in re.split(r"\n(?=rule \w+:)", plan):
        name = re.match(r"rule (\w+):", block)
        if not name or name.group(1) in dag.TARGETS:
            continue

        def field(label: str) -> set[str]:
            found = re.search(rf"^\s+{label}: (.*)$", block, re.MULTILINE)
            return set(found.group(1).split(", ")) if found else set()

        command = re.search(r"^Shell command: (.*)$", block, re.MULTILINE)
        jobs[name.group(1)] = {"cmd": command.group(1).strip(), "deps": field("input"), "outs": field("output")}
    return jobs


def test_dvc_yaml_is_rendered_from_the_dag_declaration(root):
    assert (root / "dvc.yaml").read_text() == dag.render_dvc_yaml(), "run `make dvc.yaml`"


def test_the_stage_table_is_generated_from_the_dag(root):
    from diffirl import stage_table

    text = (root / stage_table.DOCUMENT).read_text()
    assert stage_table.rendered(text) == text, "run `make stage-table`"
    for stage in dag.pipeline_stages():  # every stage is in it, by its generalised name
        variant, _, name = stage.name.rpartition("__")
        row = next(line for line in text.splitlines() if f"`{variant}__*`" in line) if variant else text
        assert f"`{stage_table.generalise(name) if not variant else name}`" in row, stage.name
    assert "airl_reward.pt" in text


def test_readme_names_no_file_outside_the_repository(root):
    text = (root / "README.md").read_text()
    assert "STUDY" not in text and "../shared" not in text


def test_dvc_and_snakemake_have_the_same_stages_commands_inputs_and_outputs(root):
    dvc = dvc_graph(root)
    snakemake = snakemake_plan(root, "all", *dag.PAPER_SIZED_TARGETS)
    assert set(dvc) == set(snakemake) == {stage.name for stage in dag.pipeline_stages()}
    for name in dvc:
        # Snakemake also keeps the console output in the rule's log file
        assert f"{dvc[name]['cmd']} 2>&1 | tee {paths.log_file(name)}" == snakemake[name]["cmd"], name
        assert dvc[name]["deps"] == snakemake[name]["deps"], name
        assert dvc[name]["outs"] == snakemake[name]["outs"], name


def test_dvc_params_are_the_declared_ones(root):
    dvc = dvc_graph(root)
    for stage in dag.pipeline_stages():
        assert dvc[stage.name]["params"] == set(stage.params)


def test_every_declared_code_dependency_exists_and_every_stage_script_is_used(root):
    stages = dag.pipeline_stages()
    produced = {out for stage in stages for out in stage.all_outputs}
    for stage in stages:
        for dep in stage.deps:
            assert (root / dep).is_file() or dep in produced, dep
    scripts = {p.name for p in (root / "stages").glob("*.py") if not p.name.startswith("_")}
    used = {Path(stage.cmd.split()[1]).name for stage in stages}
    assert scripts == used


IMPORTED_PROJECT_FILES = """
import json, sys
from pathlib import Path
sys.path.insert(0, "stages")
root = Path.cwd().resolve()
project = (root / "diffirl", root / "stages")  # not root itself: a .venv may live there too

def source(module):
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None

def in_project(file):
    return file is not None and file.is_file() and any(file.is_relative_to(folder) for folder in project)

imported = {}
for script in sys.argv[1:]:
    for name in [name for name, module in sys.modules.items() if in_project(source(module))]:
        del sys.modules[name]  # the project's modules run afresh for each script; torch and the rest stay loaded
    __import__(Path(script).stem)
    files = {source(module) for module in list(sys.modules.values())}
    imported[script] = sorted(str(file.relative_to(root)) for file in files if in_project(file))
print(json.dumps(imported))
"""


def test_every_project_module_a_stage_imports_is_one_of_its_dependencies(root):
    """Checked by running the imports, not by reading them as diffirl.stage_code does."""
    scripts = {stage.cmd.split()[1]: stage for stage in dag.pipeline_stages() if "__" not in stage.name}
    run = subprocess.run(
        [sys.executable, "-c", IMPORTED_PROJECT_FILES, *scripts], cwd=root, capture_output=True, text=True, check=True
    )
    for script, files in json.loads(run.stdout).items():
        imported = set(files)
        assert {"stages/_common.py", "diffirl/paths.py"} <= imported, f"{script} imported another copy of diffirl"
        missing = imported - set(scripts[script].deps) - {script}
        assert not missing, f"{scripts[script].name} imports {sorted(missing)} but does not depend on them"


def test_a_stage_depends_on_the_code_it_runs_and_not_on_code_it_does_not():
    deps = {stage.name: set(stage.deps) for stage in dag.pipeline_stages()}
    # reached only inside functions: the checkpoints of a training run
    assert "diffirl/checkpoints.py" in deps["train_diffuser_umaze"]
    # editing the U-Net must not re-make the datasets or re-train the baselines (an hour of the study)
    for name in ("dataset_halfcheetah", "train_baseline_large_airl", "kwindows_umaze", "table1", "report"):
        assert "diffirl/diffusion/unet.py" not in deps[name], name
    # no stage but the report and the variants' tables imports the DAG's or the variants' declarations
    # (a variant's stage is told its part on its command line), so that a new variant or a DAG edit
    # re-runs none of the study; a variant's own stages depend on its declaration
    assert "diffirl/dag.py" in deps["report"] and "diffirl/dag.py" not in deps["dataset_umaze"]
    assert (
        "diffirl/variants.py" in deps["remedies_table"]
        and "diffirl/variants.py" in deps["long_horizon__evaluate_halfcheetah"]
    )
    study = {stage.name for stage in dag.study_stages()}
    assert [name for name in study if "diffirl/variants.py" in deps[name]] == ["report"]  # through the DAG it reads
    # the method families' stage declarations, which the DAG imports by name (diffirl.stage_families.STAGE_FAMILIES)
    assert "diffirl/methods/relative_reward/stages.py" in deps["report"]
    assert [name for name in study if "diffirl/stage_families.py" in deps[name]] == [
        "report"
    ]  # a new family re-runs none


def test_a_method_family_declares_its_stages_and_target_in_a_registry_entry(root):
    plugin = os.environ | {"DIFFIRL_PLUGINS": "tests.plugins:register_method_ranking", "PYTHONPATH": str(root)}
    listing = [sys.executable, "-m", "diffirl.dag", "--list", "method_ranking"]
    listed = subprocess.run(listing, cwd=root, env=plugin, capture_output=True, text=True, check=True)
    assert listed.stdout.split() == ["rank_methods_umaze"]
    without = subprocess.run(listing, cwd=root, capture_output=True, text=True)
    assert without.returncode == 2 and "invalid choice: 'method_ranking'" in without.stderr
    assert {s.name for s in dag.target_stages("compare")} >= {"comparison_report", "train_expert_diffuser_umaze"}


def test_a_stage_family_may_take_neither_a_built_in_target_nor_a_registered_one(monkeypatch):
    with pytest.raises(ValueError, match="'compare' is registered already"):
        register_stage_family(StageFamily("compare", "tests.plugins:method_ranking_stages", ""))
    with pytest.raises(ValueError, match="'tests.plugins' is not module:function"):
        register_stage_family(StageFamily("ranking", "tests.plugins", ""))
    assert "ranking" not in STAGE_FAMILIES
    monkeypatch.setitem(STAGE_FAMILIES, "study", StageFamily("study", "tests.plugins:method_ranking_stages", ""))
    with pytest.raises(ValueError, match="'study' is one of the built-in targets"):
        dag.declared_targets()


def test_final_targets_are_the_outputs_no_stage_consumes():
    targets = dag.final_targets()
    assert str(paths.REPORT_HTML) in targets and str(paths.REPORT_MARKDOWN) in targets
    assert str(paths.TABLE3) not in targets  # the report reads every table
    consumed = {dep for stage in dag.pipeline_stages() for dep in stage.deps}
    assert not consumed & set(targets)
    assert str(paths.diffuser_model("umaze")) not in targets


@pytest.mark.parametrize("target", dag.TARGETS)
def test_the_final_stages_of_a_target_need_every_stage_of_it_and_no_other(target):
    stages = dag.pipeline_stages()
    final = dag.final_stages(target)
    needed = set().union(*(dag.ancestors(stages, name) for name in final))
    assert needed == {stage.name for stage in dag.target_stages(target)}
    # the probe is one stage, which runs the study's stages itself in a scratch folder
    assert "report" in dag.final_stages("study") and (len(final) < len(needed) or final == ["paper_cost"])


def test_snakemake_builds_only_what_table3_needs(root):
    assert set(snakemake_plan(root, str(paths.TABLE3))) == {"dataset_halfcheetah", "table3"}


def test_every_results_table_and_figure_of_every_environment_is_built():
    outputs = {out for stage in dag.pipeline_stages() for out in stage.all_outputs}
    for number in (1, 2, 4, 5):
        assert str(paths.results_table(number)) in outputs
    for environment in ("umaze", "large", "halfcheetah"):
        assert str(paths.reward_loss_figure(environment)) in outputs
        for loss in paths.LOSSES:
            assert str(paths.learnt_reward(environment, loss)) in outputs
    for figure in (
        "fig07_umaze_rollouts",
        "fig10_large_true_reward_rollouts",
        "fig13_large_reward_losses",
        "fig14_large_rollouts",
        "fig18_halfcheetah_reward_losses",
    ):
        assert str(paths.FIGURES / f"{figure}.png") in outputs


def test_snakemake_builds_only_what_table2_needs(root):
    expected = {
        "dataset_large",
        "train_diffuser_large",
        "experts_large",
        "kwindows_large",
        "evaluate_large",
        "evaluate_baselines_large",
        "table2",
    }
    expected |= {f"learn_reward_large_{loss}" for loss in paths.LOSSES}
    expected |= {f"train_baseline_large_{algorithm}" for algorithm in paths.BASELINES}
    assert set(snakemake_plan(root, str(paths.results_table(2)))) == expected


def test_dvc_reads_params_with_the_c_yaml_parser():
    # DVC re-reads params.yaml for every stage it checks; the pure-Python parser made a no-op
    # `dvc status` take 6-10 s (benchmarks/dvc_status.py measures it)
    from dvc.utils.serialize._yaml import parse_yaml
    from ruamel.yaml import YAML

    assert YAML(typ="safe").Parser.__module__.startswith("ruamel.yaml.clib"), "install ruamel.yaml.clib"
    assert parse_yaml("a: [1, 2]", "params.yaml") == {"a": [1, 2]}
