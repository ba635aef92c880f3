"""What every stage script does first: parse its arguments and validate params."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from diffirl.envs.registry import UnknownEnvironmentError, get_environment
from diffirl.params import ParameterError, load_params


def parse(
    description: str,
    with_environment: bool = True,
    environments: tuple[str, ...] | None = None,
    choice: tuple[str, tuple[str, ...]] | None = None,
):
    """Return (environment spec or None, validated params[, chosen value]); exit with a clear message on error.

    ``choice`` = (name, allowed values) adds a second positional argument, e.g. the loss.
    """
    parser = argparse.ArgumentParser(description=description)
    if with_environment:
        parser.add_argument("environment", help="umaze, large or halfcheetah")
    if choice:
        parser.add_argument(choice[0], help=" | ".join(choice[1]))
    parser.add_argument("--params", default="params.yaml", help="parameter file (default: params.yaml)")
    parser.add_argument(
        "--variant", default=None, help="run as this variant of the study (diffirl/variants.py), not the study itself"
    )
    args = parser.parse_args()
    use_one_thread_unless_declared()
    try:
        spec = get_environment(args.environment) if with_environment else None
        if spec is not None and environments is not None and spec.name not in environments:
            raise UnknownEnvironmentError(f"this stage takes one of {', '.join(environments)}, not {spec.name!r}")
        if choice and getattr(args, choice[0]) not in choice[1]:
            raise ParameterError(
                f"unknown {choice[0]} {getattr(args, choice[0])!r}; choose one of {', '.join(choice[1])}"
            )
        params = load_params(args.params, args.variant)
        if args.variant is not None:
            positional = ([args.environment] if with_environment else []) + (
                [getattr(args, choice[0])] if choice else []
            )
            use_variant_of(" ".join(["python", f"stages/{Path(sys.argv[0]).name}", *positional]), args.variant)
        if spec is not None and spec.kind.designed_reward:
            spec = spec.with_reward(**getattr(params.true_reward, spec.name).model_dump())
    except (UnknownEnvironmentError, ParameterError) as error:
        sys.exit(f"error: {error}")
    return (spec, params, getattr(args, choice[0])) if choice else (spec, params)


def use_one_thread_unless_declared() -> None:
    """Run torch on OMP_NUM_THREADS threads, 1 if unset, until the stage sets its declared count.

    Snakemake sets OMP_NUM_THREADS to the threads it reserved for the rule; DVC sets nothing,
    and torch would take every core. A stage's floats would then depend on the front end and
    the machine (the baselines' rollouts differed in the 9th digit), and an undeclared stage
    would take a core Snakemake had given to another.
    """
    threads = os.environ.setdefault("OMP_NUM_THREADS", "1")
    if "torch" in sys.modules and threads.isdigit() and int(threads) > 0:
        sys.modules["torch"].set_num_threads(int(threads))


def use_variant_of(command: str, name: str) -> None:
    """Name files as variant ``name`` does, if it re-runs ``command`` (else its outputs would be the study's)."""
    from diffirl import dag, paths
    from diffirl.variants import get_variant

    stages, redirected = dag.variant_plan(dag.study_stages(), get_variant(name))
    commands = [stage.cmd for stage in stages]
    if f"{command} --variant {name}" not in commands:
        raise ParameterError(
            f"variant {name!r} does not re-run `{command}`; it re-runs: "
            + "; ".join(c.removesuffix(f" --variant {name}") for c in commands)
        )
    paths.use_variant(name, redirected)


def variant_methods(name: str, has_true_reward_guide: bool):
    """The diffuser methods variant ``name`` evaluates (its base diffuser, the true-reward guide
    where it asks for it, and its own learnt rewards)."""
    from diffirl.variants import evaluated_methods, get_variant

    return evaluated_methods(get_variant(name), has_true_reward_guide)


def fail(error: Exception) -> None:
    sys.exit(f"error: {error}")


def run_stage(main) -> None:
    """Run a stage's ``main``: all its outputs appear at the end, or none if it fails part-way."""
    from diffirl.io import stage_outputs

    with stage_outputs():
        main()
