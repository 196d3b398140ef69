"""LibreOffice headless for tests that render a document: find it, convert with it.

Tests that use it are marked ``libreoffice``. Without soffice they skip, saying how to install it;
under CI=true they fail, because .ci/run installs it (Debian's libreoffice-writer-nogui).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def soffice() -> str:
    """The soffice command, or skip (fail under CI=true) when LibreOffice is not installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("LibreOffice (soffice) is missing: .ci/run installs libreoffice-writer-nogui")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
    return found


def convert(path: Path, target: str, work: Path) -> Path:
    """``path`` converted to ``target`` ("pdf", "odt", "txt"…) in ``work``, with a profile of its own
    there (so runs in parallel, or beside a desktop LibreOffice, don't share one)."""
    out = work / "converted"
    subprocess.run(
        [soffice(), "--headless", f"-env:UserInstallation={(work / 'lo-profile').as_uri()}",
         "--convert-to", target, "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return out / f"{path.stem}.{target.split(':')[0]}"
