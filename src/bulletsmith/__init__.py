"""bulletsmith: find what a resume bullet is missing, ask for it, rewrite it without inventing a number.

    from bulletsmith import Assistant, Slot
    a = Assistant(engine="rules")
    an = a.analyze("Built a classification model for image labeling")
    an.missing          # [Slot.PROBLEM, Slot.DATA_OUTCOME, Slot.MODEL_IMPACT]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

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
}

__all__ = [*_EXPORTS, "__version__"]

if TYPE_CHECKING:
    from bulletsmith.assistant import Assistant
    from bulletsmith.models import Analysis, Answer, AnswerStatus, Finding, Question, Rewrite, Slot, SlotFill


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'bulletsmith' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
