"""A copy of the project, as a fresh clone at smoke scale has it, for the end-to-end runs."""

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path


def run(cwd: Path, *command: str, timeout: int = 900, env: dict | None = None) -> str:
    """Run ``command`` in ``cwd`` (with ``env`` added to this process's environment); its output."""
    environment = None if env is None else os.environ | env
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=environment)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def finished(process: subprocess.Popen, timeout: float = 600) -> str:
    """The output of a process started with its output piped, once it has exited with status 0."""
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output[-3000:]
    return output


def copy_project(root: Path, destination: Path) -> Path:
    """The project as a fresh clone would have it (tracked and not-ignored files), at smoke scale."""
    listed = run(root, "git", "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        if (root / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, destination / name)
    run(destination, "git", "init", "-q")
    run(destination, "python", "-m", "diffirl.params.scale", "smoke")
    return destination


def kill_when(process: subprocess.Popen, condition, timeout: float = 600) -> None:
    """SIGKILL ``process`` as soon as ``condition()`` holds; it must still be running then."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "the process finished before the moment to kill it"
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
