"""Methods and environments defined outside the project, registered before anything reads the registries.

``DIFFIRL_PLUGINS`` names registration functions, comma-separated, each as ``module:function``
with the module importable from the Python path; each function adds its entries with
:func:`diffirl.methods.register_method` or :func:`diffirl.envs.registry.register_environment`.
Both registries load the plugins as they are built, so every process of a run (the DAG, each
stage, the tests) sees the same entries, and the settings schema, the paths and the DAG are
derived with them. A plugin module imports at its top only what the registries themselves
import (``diffirl.methods``, ``diffirl.envs.*``, ``diffirl.rewards.true_reward``), anything
heavier inside its functions: the registries are incomplete while it is imported. The
plugins' own files are not code dependencies of the stages: after editing one, rerun its
stages with ``--forcerun`` (Snakemake) or ``--force`` (DVC).
"""

from __future__ import annotations

import importlib
import os

PLUGINS_VARIABLE = "DIFFIRL_PLUGINS"


class PluginError(ImportError):
    pass


#: whether loading has started in this process (a registry imported by a plugin while it loads
#: finds it under way, and the loading in progress completes it)
_started = False


def plugin_entries() -> list[tuple[str, str]]:
    """(module, function) of every plugin ``DIFFIRL_PLUGINS`` names."""
    entries = []
    for entry in filter(None, (e.strip() for e in os.environ.get(PLUGINS_VARIABLE, "").split(","))):
        module_name, _, function_name = entry.partition(":")
        if not module_name or not function_name:
            raise PluginError(f"{PLUGINS_VARIABLE} names {entry!r}: write module:function")
        entries.append((module_name, function_name))
    return entries


def load_plugins() -> None:
    """Import every plugin's module, then call its registration function; once per process."""
    global _started
    if _started:
        return
    _started = True
    entries = plugin_entries()
    modules = {name: _import(name) for name in dict.fromkeys(module for module, _ in entries)}
    for module_name, function_name in entries:
        register = getattr(modules[module_name], function_name, None)
        if not callable(register):
            raise PluginError(
                f"{PLUGINS_VARIABLE} names {module_name}:{function_name}, but {module_name} has no such function"
            )
        register()


def _import(module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name is None or not f"{module_name}.".startswith(f"{error.name}."):
            raise  # the plugin itself failed to import something
        raise PluginError(
            f"{PLUGINS_VARIABLE} names {module_name!r}, which is not importable from the Python path"
        ) from None
