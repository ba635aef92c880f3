"""Reading and validating ``params.yaml``; errors name the offending key and value."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from diffirl.params.schema import Params

DEFAULT_PARAMS_FILE = Path("params.yaml")
#: ``params.yaml`` is ``scales/default.yaml`` with one scale's overlay merged over it
SCALES = ("smoke", "default", "paper")
SCALES_DIR = Path("scales")


class ParameterError(ValueError):
    """A missing, unknown, mistyped or out-of-range parameter."""


#: longer values are shortened in messages (a whole section can be thousands of characters)
MAX_VALUE_CHARS = 80


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, except that a key given twice in one mapping is an error, not "the last wins"."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _dotted(location: tuple) -> str:
    return ".".join(str(part) for part in location)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 5] + " ...}"


def _union_member(part: object) -> bool:
    """A location part pydantic adds for one member of a union type (e.g. ``literal['all']``, ``constrained-int``)."""
    return isinstance(part, str) and ("[" in part or part.startswith("constrained") or part in ("int", "float", "str"))


def _merged(problems: list[dict]) -> list[dict]:
    """One problem per key: a value that fits no member of a union is one problem, not one per member."""
    by_key: dict[tuple, dict] = {}
    for problem in problems:
        location = problem["loc"]
        if location and _union_member(location[-1]):
            location = location[:-1]
        if location in by_key:
            by_key[location]["msg"] += f" or {problem['msg'][0].lower()}{problem['msg'][1:]}"
        else:
            by_key[location] = {**problem, "loc": location}
    return list(by_key.values())


def describe_validation_error(error: ValidationError, source: str) -> str:
    lines = [f"invalid parameters in {source}:"]
    for problem in _merged(error.errors()):
        key = _dotted(problem["loc"])
        value = _short(problem.get("input"))
        if problem["type"] == "extra_forbidden":
            lines.append(f"  {key} = {value}: unknown key")
        elif problem["type"] == "missing":
            lines.append(f"  {key}: missing")
        elif not problem["loc"] or problem["type"] == "value_error":
            lines.append(f"  {key or 'params'}: {problem['msg'].removeprefix('Value error, ')}")
        else:
            lines.append(f"  {key} = {value}: {problem['msg']}")
    if len(lines) == 2:  # one problem: one line
        return f"{lines[0]} {lines[1].strip()}"
    return "\n".join(lines)


def deep_merge(base: dict, overlay: dict) -> dict:
    """``base`` with ``overlay``'s settings written over it (nested mappings merged key by key)."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _validated(raw: dict, source: str) -> Params:
    try:
        return Params.model_validate(raw)
    except ValidationError as error:
        raise ParameterError(describe_validation_error(error, source)) from None


def with_variant(raw: dict, name: str, may_change: tuple[str, ...], source: str = "params") -> dict:
    """The settings of variant ``name``: its overlay (``variants.NAME``) merged over ``raw``.

    The overlay may only change the params subtrees ``may_change`` (the variant's declaration,
    :data:`diffirl.variants.VARIANTS`, which the DAG passes to its stages), so the DAG knows
    which stages it re-runs.
    """
    overlay = (raw.get("variants") or {}).get(name)
    if not isinstance(overlay, dict):
        raise ParameterError(f"{source}: variants.{name} is missing (a mapping of the settings the variant changes)")
    for key in leaf_keys(overlay):
        if not any(within(key, subtree) for subtree in may_change):
            raise ParameterError(
                f"{source}: variants.{name}.{key} is outside what the variant may change ({', '.join(may_change)})"
            )
    return deep_merge(raw, overlay)


def within(key: str, subtree: str) -> bool:
    """Whether dotted params key ``key`` is ``subtree`` or inside it."""
    return key == subtree or key.startswith(subtree + ".")


def leaf_keys(tree: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        keys += leaf_keys(value, dotted + ".") if isinstance(value, dict) and value else [dotted]
    return keys


def validate_params(
    raw: object, source: str = "params", variant: str | None = None, may_change: tuple[str, ...] = ()
) -> Params:
    """The validated study settings, or those of ``variant`` (its overlay, which may change the
    subtrees ``may_change`` only, merged over them)."""
    if not isinstance(raw, dict):
        raise ParameterError(f"{source} must be a mapping of settings, got {type(raw).__name__}")
    params = _validated(raw, source)
    if variant is None:
        return params
    return _validated(with_variant(raw, variant, may_change, source), f"{source} with variant {variant!r}")


def read_scale(scale: str, scales_dir: Path = SCALES_DIR) -> dict:
    """The settings of ``scale``, unvalidated: for a reader of some settings only, which then does
    not need the sections of environments or methods added by plugins (diffirl/plugins.py)."""
    if scale not in SCALES:
        raise ParameterError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    settings = yaml.safe_load((scales_dir / "default.yaml").read_text())
    if scale != "default":
        settings = deep_merge(settings, yaml.safe_load((scales_dir / f"{scale}.yaml").read_text()))
    return settings


def load_params(
    path: str | Path = DEFAULT_PARAMS_FILE, variant: str | None = None, may_change: tuple[str, ...] = ()
) -> Params:
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"parameter file {path} does not exist")
    try:
        raw = yaml.load(path.read_text(), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise ParameterError(f"parameter file {path} is not valid YAML: {error}") from None
    return validate_params(raw, str(path), variant, may_change)
