"""What every stage script does first: parse its arguments and validate params."""

from __future__ import annotations

import argparse
import os
import sys

from diffirl import paths
from diffirl.envs.registry import UnknownEnvironmentError, get_environment
from diffirl.methods import METHODS
from diffirl.params import ParameterError, load_params


def parse(
    description: str,
    with_environment: bool = True,
    environments: tuple[str, ...] | None = None,
    choice: tuple[str, tuple[str, ...]] | None = None,
    evaluates_methods: bool = False,
):
    """Return (environment spec or None, validated params[, chosen value][, methods]); exit with a
    clear message on error.

    ``choice`` = (name, allowed values) adds a second positional argument, e.g. the loss.
    ``evaluates_methods`` adds ``--methods``, the diffuser methods a variant's evaluation rolls
    out (None when not given: the study's).

    A variant's run (diffirl/variants.py) is told by its command, which the DAG writes, which
    settings the variant may change and which of the stage's files are the variant's own;
    every other file the stage names is the study's.
    """
    parser = argparse.ArgumentParser(description=description)
    if with_environment:
        parser.add_argument("environment", help="umaze, large or halfcheetah")
    if choice:
        parser.add_argument(choice[0], help=" | ".join(choice[1]))
    parser.add_argument("--params", default="params.yaml", help="parameter file (default: params.yaml)")
    variant = parser.add_argument_group("run as a variant of the study (the DAG writes these; see dvc.yaml)")
    variant.add_argument("--variant", default=None, help="the variant's name (its settings: variants.NAME)")
    variant.add_argument("--may-change", nargs="+", default=(), metavar="SUBTREE", help="params it may change")
    variant.add_argument("--owns", nargs="+", default=(), metavar="PATH", help="study files it has its own of")
    variant.add_argument("--extends", default=None, help="the variant it extends, whose settings it has")
    variant.add_argument(
        "--borrows",
        nargs="+",
        default=(),
        metavar="PATH",
        help="study files it reads in the extended variant's version",
    )
    if evaluates_methods:
        variant.add_argument("--methods", nargs="+", default=None, metavar="METHOD", help="methods it rolls out")
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
        methods = methods_named(args) if evaluates_methods else None
        check_variant_arguments(args, methods)
        params = load_params(args.params, args.extends or args.variant, tuple(args.may_change))
        paths.use_variant(args.variant, args.owns, args.borrows, args.extends)
        if spec is not None and spec.kind.designed_reward:
            spec = spec.with_reward(**getattr(params.true_reward, spec.name).model_dump())
    except (UnknownEnvironmentError, ParameterError) as error:
        sys.exit(f"error: {error}")
    return (spec, params, *([getattr(args, choice[0])] if choice else []), *([methods] if evaluates_methods else []))


def check_variant_arguments(args: argparse.Namespace, methods) -> None:
    """A variant's run names what it may change and what it owns; the study's run names neither."""
    given = [
        f"--{name}" for name in ("may-change", "owns", "extends", "borrows") if getattr(args, name.replace("-", "_"))
    ]
    given += ["--methods"] if methods is not None else []
    if args.variant is None and given:
        raise ParameterError(f"{', '.join(given)} belong to a variant's run; --variant is missing")
    if args.borrows and not args.extends:
        raise ParameterError("--borrows belongs to the run of a variant that extends another; --extends is missing")
    if args.variant is not None and not (args.may_change and args.owns):
        raise ParameterError(
            f"variant {args.variant!r}: its run needs --may-change and --owns as the DAG declares them; "
            f"copy its command from the stage {args.variant}__... in dvc.yaml"
        )


def methods_named(args: argparse.Namespace):
    """The methods `--methods` names (None when not given), each known to the registry."""
    if args.methods is None:
        return None
    unknown = [name for name in args.methods if name not in METHODS]
    if unknown:
        raise ParameterError(f"unknown method {unknown[0]!r} in --methods; choose among {', '.join(METHODS)}")
    return tuple(METHODS[name] for name in args.methods)


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


def fail(error: Exception) -> None:
    sys.exit(f"error: {error}")


def run_stage(main) -> None:
    """Run a stage's ``main``: all its outputs appear at the end, or none if it fails part-way."""
    from diffirl.io import stage_outputs
    from diffirl.work_log import record_device_at_exit

    record_device_at_exit()
    with stage_outputs():
        main()
