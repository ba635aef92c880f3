"""The SLURM profile, run for real on a cluster (CI starts a one-node one: .ci/slurm-localhost).

Without a reachable cluster the test is skipped, unless DIFFIRL_REQUIRE_SLURM is set, as CI
sets it, so that a cluster that failed to start is a failure and not a silent skip.
"""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from diffirl import paths

from .projects import copy_project
from .test_e2e import check_table3

pytestmark = pytest.mark.e2e

PROFILE_RUN = [
    "snakemake",
    str(paths.TABLE3),  # first: the options below take lists
    "--profile",
    "workflow/profiles/slurm",
    # the local cluster has no accounting database, so job states come from squeue
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "2",
    # the profile asks 8 GB a job, more than a small CI machine's one node may offer
    "--set-resources",
    "dataset_halfcheetah:mem_mb=2000",
    "table3:mem_mb=2000",
]


def cluster_is_up() -> bool:
    if shutil.which("sinfo") is None:
        return False
    answer = subprocess.run(["sinfo", "--noheader", "--states=idle,mixed"], capture_output=True, text=True)
    return answer.returncode == 0 and answer.stdout.strip() != ""


@pytest.fixture
def cluster():
    if not cluster_is_up():
        if os.environ.get("DIFFIRL_REQUIRE_SLURM"):
            pytest.fail("DIFFIRL_REQUIRE_SLURM is set but no SLURM node is idle (sinfo); see .ci/slurm-localhost")
        pytest.skip("no SLURM cluster here (.ci/slurm-localhost starts one)")


def queued_jobs(project: Path) -> list[tuple[str, str, str]]:
    """(id, comment, state) of the jobs submitted from `project`: a job an earlier, killed run
    left on the same cluster has another working directory and is none of this run's."""
    queue = subprocess.run(["squeue", "--noheader", "--format=%i|%k|%T|%Z"], capture_output=True, text=True).stdout
    jobs = [line.split("|") for line in queue.splitlines()]
    return [
        (job, comment, state) for job, comment, state, workdir in jobs if Path(workdir).resolve() == project.resolve()
    ]


def running_job(rule: str, project: Path, snakemake: subprocess.Popen, timeout: float = 300) -> str:
    """The SLURM id of this run's job running `rule`; the profile puts the rule's name in the job's comment."""
    deadline, jobs = time.monotonic() + timeout, []
    while time.monotonic() < deadline and snakemake.poll() is None:
        jobs = queued_jobs(project)
        for job, comment, state in jobs:
            if comment == f"rule_{rule}" and state == "RUNNING":
                return job
        time.sleep(0.5)
    raise AssertionError(f"no running SLURM job for rule {rule} (snakemake exit {snakemake.poll()}): {jobs}")


def test_the_slurm_profile_builds_a_target_and_retries_a_cancelled_job(root, tmp_path, cluster):
    project = copy_project(root, tmp_path)
    log_path = tmp_path / "snakemake.log"
    with log_path.open("w") as log:
        snakemake = subprocess.Popen(PROFILE_RUN, cwd=project, stdout=log, stderr=subprocess.STDOUT)
        try:
            cancelled = running_job("dataset_halfcheetah", project, snakemake)
            subprocess.run(["scancel", cancelled], check=True)
            returncode = snakemake.wait(timeout=900)
        finally:
            if snakemake.poll() is None:
                snakemake.kill()
            leftovers = [job for job, _, _ in queued_jobs(project)]
            if leftovers:
                subprocess.run(["scancel", *leftovers])
    log = log_path.read_text()
    assert returncode == 0, log[-4000:]
    submissions = [line for line in log.splitlines() if "submitted with SLURM jobid" in line]
    assert any(f"SLURM jobid {cancelled} " in line for line in submissions), log[-4000:]
    assert len(submissions) == 3, submissions  # the cancelled job, its retry, and table3
    check_table3(project)
    assert not list(Path(project, "data").rglob("*.tmp"))
