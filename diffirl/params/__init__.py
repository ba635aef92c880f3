"""Parameters: the schema of ``params.yaml``, its validation, and the scale overlays."""

from diffirl.params.load import ParameterError, load_params

__all__ = ["ParameterError", "load_params"]
