import os
import signal

import pytest

# A run started in the background by a shell without job control (`cmd &` in a script)
# inherits SIGINT ignored, and so would every bulletsmith it starts: the interrupt tests send
# Ctrl-C on purpose, so the run takes Python's own handler back (its children then get the default).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Rich wraps at the terminal width; a wide, non-terminal console keeps assertions stable.
os.environ.setdefault("TERMINAL_WIDTH", "3000")
os.environ.setdefault("_TYPER_FORCE_DISABLE_TERMINAL", "1")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Tests choose their engine explicitly and never touch the real user cache: no key or
    setting from the developer's shell leaks in, and the response cache lives in tmp_path."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "BULLETSMITH_MODEL",
        "BULLETSMITH_MODE",
        "BULLETSMITH_MAX_REASKS",
        "BULLETSMITH_PROMPTS_DIR",
        "BULLETSMITH_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BULLETSMITH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BULLETSMITH_STATE_DIR", str(tmp_path / "state"))


def pytest_collection_modifyitems(items):
    # A stable sort: the runs_last tests (the secrets scan) go to the end, the rest keep their order.
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)
