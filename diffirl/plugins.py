"""Methods and environments defined outside the project, registered before anything reads the registries.

``DIFFIRL_PLUGINS`` names plugins, comma-separated: a module importable from the Python path,
which registers its entries when imported, or ``module:function``, a function called once to
register them (:func:`diffirl.methods.register_method`,
:func:`diffirl.envs.registry.register_environment`). Both registries import the plugins as they are built, so every process of a run
(the DAG, each stage, the tests) sees the same entries, and the settings schema, the paths and
the DAG are derived with them. The plugins' own files are not code dependencies of the stages:
after editing one, rerun its stages with ``--forcerun`` (Snakemake) or ``--force`` (DVC).
"""

from __future__ import annotations

import importlib
import os

PLUGINS_VARIABLE = "DIFFIRL_PLUGINS"


class PluginError(ImportError):
    pass


#: plugins imported (or being imported) in this process
_loaded: set[str] = set()


def plugin_entries() -> list[str]:
    return [entry.strip() for entry in os.environ.get(PLUGINS_VARIABLE, "").split(",") if entry.strip()]


def load_plugins() -> None:
    """Load every plugin ``DIFFIRL_PLUGINS`` names, each once (a plugin may import the registries)."""
    for entry in plugin_entries():
        if entry in _loaded:
            continue
        _loaded.add(entry)
        module_name, _, function_name = entry.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is None or not f"{module_name}.".startswith(f"{error.name}."):
                raise  # the plugin itself failed to import something
            raise PluginError(
                f"{PLUGINS_VARIABLE} names {module_name!r}, which is not importable from the Python path"
            ) from None
        if function_name:
            register = getattr(module, function_name, None)
            if not callable(register):
                raise PluginError(
                    f"{PLUGINS_VARIABLE} names {entry!r}, but {module_name} has no function {function_name!r}"
                )
            register()
