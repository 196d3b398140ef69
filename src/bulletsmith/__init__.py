"""bulletsmith: find what a resume bullet is missing, ask for it, rewrite it without inventing a number.

from bulletsmith import Assistant, Slot
a = Assistant(engine="rules")
an = a.analyze("Built a classification model for image labeling")
an.missing          # [Slot.PROBLEM, Slot.DATA_OUTCOME, Slot.MODEL_IMPACT]

doc = bulletsmith.read("resume.md")        # a file's bullets, with their locations
analyses = a.analyze_many(doc.bullets)     # one table in Jupyter; .to_pandas() for a DataFrame
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"  # the one place it is written (pyproject reads it)

# Names are resolved on first use so `import bulletsmith` stays fast and never pulls in
# openai/instructor (or even pydantic) before they are needed.
_EXPORTS = {
    "Assistant": "bulletsmith.assistant",
    "Slot": "bulletsmith.models",
    "SlotFill": "bulletsmith.models",
    "Question": "bulletsmith.models",
    "Answer": "bulletsmith.models",
    "AnswerStatus": "bulletsmith.models",
    "Analysis": "bulletsmith.models",
    "Rewrite": "bulletsmith.models",
    "Finding": "bulletsmith.models",
    "Analyses": "bulletsmith.results",
    "Rewrites": "bulletsmith.results",
    "read": "bulletsmith.documents",
    "Review": "bulletsmith.review",
}

__all__ = [*_EXPORTS, "__version__"]

if TYPE_CHECKING:
    from bulletsmith.assistant import Assistant
    from bulletsmith.documents import read
    from bulletsmith.models import Analysis, Answer, AnswerStatus, Finding, Question, Rewrite, Slot, SlotFill
    from bulletsmith.results import Analyses, Rewrites
    from bulletsmith.review import Review


def _console_script() -> None:
    """The `bulletsmith` command (pyproject.toml, [project.scripts]); `bulletsmith.cli.main` with
    two things done before the CLI is imported.

    * Ctrl-C: importing the CLI (typer, pydantic, the commands) takes a few hundred ms, and a
      Ctrl-C there would show Python's traceback. It ends as anywhere else in the CLI: one line,
      exit 130.
    * Pydantic plugins are off (`PYDANTIC_DISABLE_PLUGINS`, pydantic's documented switch) unless
      the environment says otherwise: looking for them scans every installed distribution's
      entry points on each run. Only this process (and what it starts) is affected, never a
      program that imports bulletsmith.
    """
    import os
    import sys

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        from bulletsmith.cli import main

        main()
    except KeyboardInterrupt:
        sys.stderr.write("bulletsmith: interrupted\n")
        raise SystemExit(130) from None  # 128 + SIGINT, as bulletsmith.cli.app.EXIT_INTERRUPTED


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bulletsmith' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
