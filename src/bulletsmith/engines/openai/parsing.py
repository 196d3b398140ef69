"""The one place the engine changes how instructor reads an answer: raw control characters.

Small models write a literal newline or tab inside a JSON string (``"text": "Cut costs\\n by
30%"``). pydantic's JSON parser refuses that (``json_invalid: control character``), so without
this the answer fails to parse and is re-asked, or ends the call as a failure, although
``json.loads(..., strict=False)`` reads it unambiguously.

Why it stays (measured on the committed eval, Dec 5 2026): 46 of the 575 model answers recorded
in evals/recordings hold such a character. With pydantic's strict reading instead, 8 of the 178
eval cases take another path (a re-ask where the recording has none, or none where it has one),
so their recordings go stale and `bulletsmith eval` fails; on the 170 cases left the figures move
too (e.g. analyze guard violations, rejected rewrites). Keeping it costs one classmethod on a
class made here, once per response model; the answers are validated by the same validators
(the guards) either way.

How: `response_model_for` gives instructor the response model already wrapped the way instructor
wraps it (`instructor.openai_schema`, public), with `model_validate_json` (what instructor parses
every answer with, in each mode this engine offers) replaced by `model_validate_json` below. The
class is ours, so nothing else sees the change. Made once per model: given a plain model,
instructor would wrap it anew on every request (a pydantic `create_model` and its JSON schema).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import instructor
from instructor.core import ResponseParsingError
from pydantic import BaseModel, ValidationError

__all__ = ["PARSE_ERRORS", "model_validate_json", "response_model_for"]

# What a model answer that can't be read or breaks a guard raises: instructor re-asks these.
PARSE_ERRORS = (ValidationError, json.JSONDecodeError, ResponseParsingError)

_PYDANTIC_VALIDATE_JSON = BaseModel.model_validate_json.__func__  # type: ignore[attr-defined]


@functools.cache
def response_model_for(response_model: type[BaseModel]) -> type[BaseModel]:
    """The response model as instructor sends and parses it, made once, reading raw control
    characters (above). Same tools in the request body and the same parsed result (an instance of
    a subclass of `response_model`) as instructor's own wrapping."""
    wrapped = instructor.openai_schema(response_model)
    wrapped.model_validate_json = classmethod(model_validate_json)  # type: ignore[method-assign, assignment]  # our class, our method
    return wrapped


def model_validate_json(cls: type[BaseModel], json_data: str | bytes | bytearray, **kwargs: Any) -> BaseModel:
    """pydantic's `model_validate_json`, except that a raw control character inside a JSON string
    is read as `json.loads(..., strict=False)` reads it, not refused: the same object then goes
    through `model_validate` with the same arguments (context, strict), so every validator (the
    guards) runs as it would have. Any other JSON error is pydantic's, unchanged."""
    try:
        return _PYDANTIC_VALIDATE_JSON(cls, json_data, **kwargs)
    except ValidationError as e:
        if not any(
            err.get("type") == "json_invalid" and "control character" in str(err.get("msg", "")) for err in e.errors()
        ):
            raise
        try:
            obj = json.loads(json_data, strict=False)
        except ValueError:
            raise e from None
    return cls.model_validate(obj, **kwargs)
