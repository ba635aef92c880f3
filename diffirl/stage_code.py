"""The code a stage runs: the project's source files its script imports, directly or not.

Read from the import statements (function-level ones included), so a stage's code
dependencies cannot fall behind its imports: editing any module a stage runs re-runs
that stage, under DVC and Snakemake alike.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "diffirl"
#: the stages' shared helpers, imported by the scripts as a top-level module
STAGE_HELPERS = "_common"
#: the DAG's declaration: a script that imports it also runs the method families' stage
#: declarations, which it imports by name (:data:`diffirl.stage_families.STAGE_FAMILIES`)
DAG_MODULE = "diffirl/dag.py"


def stage_code(script: str) -> list[str]:
    """``stages/{script}.py`` and every project file it imports, as sorted paths relative to the root."""
    start = f"stages/{script}.py"
    if not (ROOT / start).is_file():
        raise FileNotFoundError(f"stage script {start} does not exist")
    files: set[str] = set()
    pending = [start]
    while pending:
        file = pending.pop()
        if file not in files:
            files.add(file)
            pending.extend(imported_files(file))
            if file == DAG_MODULE:
                pending.extend(family_files())
    return sorted(files)


def family_files() -> list[str]:
    """The project files that declare the method families' stages, which the DAG imports by name."""
    from diffirl.stage_families import STAGE_FAMILIES

    return [f for family in STAGE_FAMILIES.values() for f in module_files(family.stages.partition(":")[0])]


@functools.cache
def imported_files(file: str) -> tuple[str, ...]:
    """The project files one source file imports, its packages' ``__init__.py`` included."""
    tree = ast.parse((ROOT / file).read_text(), filename=file)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found += module_files(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # the project imports absolutely; a relative import would go unread
                raise ValueError(f"{file}:{node.lineno}: relative import; write it as `from diffirl... import`")
            module = node.module or ""
            found += module_files(module)
            for alias in node.names:  # `from package import module` names a module too
                found += module_files(f"{module}.{alias.name}", only_if_module=True)
    return tuple(dict.fromkeys(found))


def module_files(name: str, only_if_module: bool = False) -> list[str]:
    """The files Python runs to import module ``name`` (each package's ``__init__.py``, then the module)."""
    if name == STAGE_HELPERS:
        return [f"stages/{STAGE_HELPERS}.py"]
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return []
    if only_if_module and not _source(parts):
        return []
    return [source for depth in range(1, len(parts) + 1) if (source := _source(parts[:depth]))]


def _source(parts: list[str]) -> str | None:
    path = "/".join(parts)
    for candidate in (f"{path}/__init__.py", f"{path}.py"):
        if (ROOT / candidate).is_file():
            return candidate
    return None
