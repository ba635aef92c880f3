# The two set-up commands: `make study` runs the study, `make test` runs the tests.
# Both create .venv and install the pinned environment first if needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= default
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: study remedies conventions compare recovery recovery_full transfer transfer_full probe slurm-resources test install scale sync dvc.yaml stage-table lint lock benchmark clean-outputs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# reinstalled when the content of the pinned set or of the project's metadata changes
# (a stamp named by their hash, so a touch or a git checkout of the same bytes does not)
INSTALLED := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
$(INSTALLED): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed*
	touch $@

install: $(INSTALLED)

## make study [SCALE=default|smoke|paper] [CORES=2]: regenerate every table and figure
# Snakemake runs independent 1-thread stages side by side on the CORES cores (faster than
# `dvc repro`, which runs one stage at a time; benchmarks/thread_contention.py), then the
# outputs are recorded in dvc.lock so that `dvc status` and `dvc repro` agree.
CORES ?= 2
study: install
	$(BIN)/python -m diffirl.params.scale $(SCALE) --if-different
	$(BIN)/snakemake --cores $(CORES) study
	$(BIN)/python -m diffirl.sync snakemake --target study

## make remedies [SCALE=...]: the thesis's proposed remedies as variants of the study (reports/remedies.csv)
## make conventions [SCALE=...]: the published code's conventions, each switched back (reports/conventions.csv)
## make compare [SCALE=...]: Nuti et al.'s relative reward beside the thesis's method, on the study's diffusers
## make recovery [SCALE=...]: the reward-recovery benchmark, a family of true rewards (reports/recovery.csv)
## make recovery_full [SCALE=paper]: every member of both mazes with every loss (reports/recovery_full.csv)
## make transfer [SCALE=...]: the learnt rewards handed to DiffCPS and TD3+BC, trained offline (reports/transfer.csv)
## make transfer_full [SCALE=paper]: reward transfer in the Large Maze too (reports/transfer_full.csv)
## make probe [SCALE=paper]: every study stage at the scale's sizes, loops capped; the full scale's cost (reports/paper_cost.csv)
# each builds whatever of the study its variants read first; diffirl/variants.py declares them
# (the probe reads nothing of the study: it runs every stage again in a scratch folder, one at a time)
remedies conventions compare recovery recovery_full transfer transfer_full probe: install
	$(BIN)/python -m diffirl.params.scale $(SCALE) --if-different
	$(BIN)/snakemake --cores $(CORES) $@
	$(BIN)/python -m diffirl.sync snakemake --target $@

## make slurm-resources: the SLURM profile's per-rule runtime, memory and cpus from reports/paper_cost.csv
slurm-resources: install
	$(BIN)/python -m diffirl.probe.slurm_resources

## make sync FROM=dvc|snakemake: record a finished run of one front end for the other
FROM ?= dvc
sync: install
	$(BIN)/python -m diffirl.sync $(FROM)

## make test: the whole test suite (unit tests and the smoke-scale end-to-end runs)
test: install
	$(BIN)/python -m pytest

## make scale SCALE=smoke|default|paper: switch every stage's settings at once
scale: install
	$(BIN)/python -m diffirl.params.scale $(SCALE)

## make dvc.yaml: re-render dvc.yaml from the DAG declared in diffirl/dag.py
dvc.yaml: install
	$(BIN)/python -m diffirl.dag

## make lint: ruff's lint rules and formatting (configured in pyproject.toml), as CI runs them
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make stage-table: regenerate the stage table of docs/pipeline.md from the DAG
stage-table: install
	$(BIN)/python -m diffirl.stage_table

## make lock: re-resolve requirements.lock from pyproject.toml in a scratch venv
lock:
	rm -rf /tmp/diffirl-lock && $(PYTHON) -m venv /tmp/diffirl-lock
	/tmp/diffirl-lock/bin/pip install --quiet -e '.[test]'
	(head -2 requirements.lock; /tmp/diffirl-lock/bin/pip freeze --exclude-editable | sed 's/+cpu$$//') > requirements.lock.new
	mv requirements.lock.new requirements.lock
