"""The review report in a real browser: headless Chromium (the Debian package `chromium`) renders
the HTML file; the screenshot is not blank and the page text shows the total. Under CI=true a
missing Chromium fails this test (.ci/run installs it); elsewhere it is skipped with the reason."""

from __future__ import annotations

import html as htmllib
import os
import re
import shutil
import subprocess

import pytest
from support.paths import IN_CI, REPO
from support.png import ink_pixels

from bulletsmith import Assistant

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    found = os.environ.get("BULLETSMITH_CHROMIUM") or next(
        (p for name in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(name))), None
    )
    if found is None:
        message = "headless Chromium not found (Debian: apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(message + "; .ci/run must install it")
        pytest.skip(message)
    return found


def run_browser(browser: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"  # a fresh profile each run: nothing from the machine's own
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        timeout=180,
        check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )


@pytest.fixture
def report(tmp_path):
    review = Assistant(engine="rules").review(REPO / "examples" / "sample-resume.md")
    path = tmp_path / "report.html"
    path.write_text(review.html(), encoding="utf-8")
    return review, path


@pytest.mark.parametrize("width", [1200, 390])  # a laptop and a phone
def test_chromium_renders_the_report(report, tmp_path, width):
    browser = chromium()
    review, path = report
    shot = tmp_path / f"shot-{width}.png"
    done = run_browser(browser, tmp_path, f"--screenshot={shot}", f"--window-size={width},1600", path.as_uri())
    assert shot.exists(), done.stderr.decode(errors="replace")[-2000:]
    ink, total = ink_pixels(shot.read_bytes())
    # A blank (all white) page has no ink; the report's text, chart and tables cover several percent.
    assert ink / total > 0.03, f"{ink} of {total} pixels are not white: the page looks blank"

    dom = run_browser(browser, tmp_path, "--dump-dom", f"--window-size={width},1600", path.as_uri())
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    text = " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", dom.stdout.decode("utf-8"))).split())
    assert f"Total {review.total:.0f} /100" in text
    for d in review.score.dimensions:
        assert d.label in text
