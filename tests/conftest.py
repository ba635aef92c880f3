import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# the stage scripts and the e2e runs find the project's virtualenv first
os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture
def smoke_params():
    from diffirl.params.load import validate_params
    from diffirl.params.scale import compose

    return validate_params(compose("smoke", ROOT / "scales"))
