"""Where the tests find the repository and the shared material beside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# CI lays a copy of shared/ beside the clone, as on a developer's machine. `make mutation` runs the
# tests in a copy of the repository (mutants/), so it names the folder.
SHARED = Path(os.environ.get("BULLETSMITH_SHARED_DIR") or REPO.parent / "shared")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The weak bullet of the guide, used as the everyday example across the tests.
WEAK = "Built a classification model for image labeling"


def shared_path(*parts: str) -> Path:
    """A file under ../shared; missing is a failure under CI and a skip elsewhere."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing: CI must lay shared/ beside the clone")
        pytest.skip(f"{path} not found (shared/ is not beside this checkout)")
    return path
