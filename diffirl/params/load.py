"""Reading and validating ``params.yaml``; errors name the offending key and value."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from diffirl.params.schema import Params

DEFAULT_PARAMS_FILE = Path("params.yaml")


class ParameterError(ValueError):
    """A missing, unknown, mistyped or out-of-range parameter."""


def _dotted(location: tuple) -> str:
    return ".".join(str(part) for part in location)


def describe_validation_error(error: ValidationError, source: str) -> str:
    lines = [f"invalid parameters in {source}:"]
    for problem in error.errors():
        key = _dotted(problem["loc"])
        value = problem.get("input")
        if problem["type"] == "extra_forbidden":
            lines.append(f"  {key} = {value!r}: unknown key")
        elif problem["type"] == "missing":
            lines.append(f"  {key}: missing")
        else:
            lines.append(f"  {key} = {value!r}: {problem['msg']}")
    return "\n".join(lines)


def validate_params(raw: object, source: str = "params") -> Params:
    if not isinstance(raw, dict):
        raise ParameterError(f"{source} must be a mapping of settings, got {type(raw).__name__}")
    try:
        return Params.model_validate(raw)
    except ValidationError as error:
        raise ParameterError(describe_validation_error(error, source)) from None


def load_params(path: str | Path = DEFAULT_PARAMS_FILE) -> Params:
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"parameter file {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ParameterError(f"parameter file {path} is not valid YAML: {error}") from None
    return validate_params(raw, str(path))
