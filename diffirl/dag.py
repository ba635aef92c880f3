"""The pipeline's DAG, declared once.

``dvc.yaml`` is rendered from :func:`pipeline_stages` (``python -m diffirl.dag``, run by
``make dvc.yaml``) and ``workflow/Snakefile`` builds one rule per stage from the same
list, so both front ends run the same commands on the same files. A test re-renders
``dvc.yaml`` and compares DVC's parsed stage graph with Snakemake's rule graph.

Dependencies include the code a stage runs, so editing, say, the maze controller
re-runs the maze dataset stages and everything downstream of them.
"""

from __future__ import annotations

import argparse
import glob
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from diffirl import paths
from diffirl.envs.registry import ENVIRONMENTS, MAZE_ENVIRONMENTS

ROOT = Path(__file__).resolve().parent.parent
DVC_YAML = ROOT / "dvc.yaml"


@dataclass(frozen=True)
class Stage:
    name: str
    cmd: str
    deps: tuple[str, ...]
    outs: tuple[str, ...]
    #: dotted keys of params.yaml whose whole subtree the stage reads
    params: tuple[str, ...]
    threads: int = 1


def code(*patterns: str) -> list[str]:
    """The files matching ``patterns`` under the project root, sorted, as relative paths."""
    files: set[str] = set()
    for pattern in patterns:
        matches = glob.glob(pattern, root_dir=ROOT)
        if not matches:
            raise FileNotFoundError(f"DAG code dependency {pattern!r} matches nothing")
        files.update(matches)
    return sorted(files)


def _stage_code(script: str, *modules: str) -> list[str]:
    return code(f"stages/{script}.py", "stages/_common.py", "diffirl/params/*.py", "diffirl/envs/*.py",
                "diffirl/__init__.py", "diffirl/io.py", "diffirl/paths.py", "diffirl/data/format.py", *modules)


def dataset_stage(environment: str) -> Stage:
    spec = ENVIRONMENTS[environment]
    outs = []
    for split in spec.splits:
        outs += [str(paths.dataset_file(environment, split)), str(paths.provenance_file(environment, split))]
    return Stage(
        name=f"dataset_{environment}",
        cmd=f"python stages/dataset.py {environment}",
        deps=tuple(_stage_code("dataset", "diffirl/data/*.py")),
        outs=tuple(outs),
        params=(f"datasets.{environment}",),
        threads=1 if spec.is_maze else 2,
    )


def table3_stage() -> Stage:
    spec = ENVIRONMENTS["halfcheetah"]
    data = [str(paths.dataset_file(spec.name, split)) for split in spec.splits]
    return Stage(
        name="table3",
        cmd="python stages/table3.py",
        deps=tuple(_stage_code("table3", "diffirl/metrics.py", "diffirl/reports/table3.py", "diffirl/reports/thesis.py") + data),
        outs=(str(paths.TABLE3),),
        params=("table3",),
    )


def dataset_figure_stage(environment: str) -> Stage:
    spec = ENVIRONMENTS[environment]
    return Stage(
        name=f"dataset_figure_{environment}",
        cmd=f"python stages/dataset_figure.py {environment}",
        deps=tuple(
            _stage_code("dataset_figure", "diffirl/reports/maze_plots.py", "diffirl/reports/dataset_figures.py")
            + [str(paths.dataset_file(environment, spec.base_split))]
        ),
        outs=(str(paths.dataset_figure(environment)),),
        params=(f"figures.dataset_samples.{environment}",),
    )


def pipeline_stages() -> list[Stage]:
    stages = [dataset_stage(env) for env in ENVIRONMENTS]
    stages.append(table3_stage())
    stages += [dataset_figure_stage(env) for env in MAZE_ENVIRONMENTS]
    return stages


def final_targets() -> list[str]:
    """Every output no other stage consumes: the tables and figures."""
    consumed = {dep for stage in pipeline_stages() for dep in stage.deps}
    return [out for stage in pipeline_stages() for out in stage.outs if out not in consumed and out.startswith("reports/")]


def params_subtree(params: dict, dotted: str):
    node = params
    for part in dotted.split("."):
        node = node[part]
    return node


def render_dvc_yaml() -> str:
    stages = {}
    for stage in pipeline_stages():
        stages[stage.name] = {
            "cmd": stage.cmd,
            "deps": list(stage.deps),
            "params": list(stage.params),
            "outs": list(stage.outs),
        }
    header = "# GENERATED from diffirl/dag.py by `make dvc.yaml`; do not edit by hand.\n"
    return header + yaml.safe_dump({"stages": stages}, sort_keys=False, width=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Render dvc.yaml from the DAG declaration.")
    parser.add_argument("--check", action="store_true", help="exit 1 if dvc.yaml is out of date")
    args = parser.parse_args(argv)
    rendered = render_dvc_yaml()
    if args.check:
        if not DVC_YAML.is_file() or DVC_YAML.read_text() != rendered:
            sys.exit("dvc.yaml is out of date with diffirl/dag.py: run `make dvc.yaml`")
        return
    from diffirl.io import write_text

    write_text(DVC_YAML, rendered)


if __name__ == "__main__":
    main()
