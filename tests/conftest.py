import os
import signal
from pathlib import Path

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


@pytest.fixture(autouse=True)
def _read_every_text_afresh():
    """extract_quantities remembers the texts it has read (lru_cache). A test that reads a text an
    earlier test read would not run the scanner at all, and mutation testing, which runs a mutant
    against the tests it saw call the mutated function, would leave that test out."""
    from bulletsmith import quantities

    quantities._extract.cache_clear()


def _own_tests_first(mutant: str):
    """Under `make mutation` (mutmut names the mutant in MUTANT_UNDER_TEST): the mutated module's
    own test files run first ("bulletsmith.documents.word_xml.x_local__mutmut_3" -> test_*word*),
    so a mutant they kill dies at its first failure (pytest -x) instead of after every other file."""
    module = mutant.split(".x", 1)[0].rsplit(".", 1)[-1]  # quantities, word_xml, eval_labels, request_key
    names = {module, module.split("_")[0], module[:4]}  # "evaluation" -> test_eval_*
    return lambda item: not any(n in Path(str(item.fspath)).stem.removeprefix("test_") for n in names)


def pytest_collection_modifyitems(items):
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if "." in mutant:
        items.sort(key=_own_tests_first(mutant))
    # A stable sort: the runs_last tests (the secrets scan) go to the end, the rest keep their order.
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)
