"""The one key function: what the response cache and the recordings are keyed by.

A key is a versioned sha256 of the normalised request: the JSON body an OpenAI-compatible
endpoint receives (model, messages, tools or response format, temperature, max tokens…),
plus context that changes the answer without being in the body (the endpoint, the prompt
file's hash). Two requests that would get the same answer get the same key; a changed
prompt, model, schema or endpoint gets a new one, so a stale entry is a miss, never a
wrong hit.

    >>> request_key({"model": "m", "messages": [{"role": "user", "content": "hi"}]}, endpoint="http://h/v1")
    'bs1-…'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["KEY_VERSION", "canonical_json", "normalize_request", "request_key"]

# Bump when normalisation changes: every old key then misses instead of matching wrongly.
KEY_VERSION = "bs1"

# Body fields that change how a request travels, not what the model answers.
_TRANSPORT_FIELDS = frozenset(
    {
        "stream",
        "stream_options",
        "timeout",
        "user",
        "extra_headers",
        "extra_query",
        "extra_body",
        "store",
        "metadata",
        "service_tier",
    }
)
# Context that must never reach a key (or anything stored beside it).
_SECRET_FIELDS = frozenset({"api_key", "authorization", "api-key", "headers"})


def _normalize(value: Any) -> Any:
    # Exact types first (what JSON bodies hold): the same results as the checks below, without
    # an ABC instance check per node (a request's tool schema has a few hundred).
    kind = type(value)
    if kind is str:
        return value.replace("\r\n", "\n") if "\r" in value else value
    if kind is dict:
        return {
            (k if type(k) is str else str(k)): _normalize(v)
            for k, v in value.items()
            if v is not None and (k if type(k) is str else str(k)).lower() not in _SECRET_FIELDS
        }
    if kind is list:
        return [_normalize(v) for v in value]
    if kind is int or kind is bool or value is None:
        return value
    if isinstance(value, Mapping):
        return {
            str(k): _normalize(v) for k, v in value.items() if v is not None and str(k).lower() not in _SECRET_FIELDS
        }
    if isinstance(value, (list, tuple)):
        return [_normalize(v) for v in value]
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    if isinstance(value, float) and value.is_integer():
        return int(value)  # temperature 0 and 0.0 are the same request
    return value


def normalize_request(body: Mapping[str, Any]) -> dict[str, Any]:
    """The request body without transport-only fields and nulls, line endings unified.

    Message text is kept exactly (whitespace changes what a model sees); key order is
    made irrelevant by `canonical_json`.
    """
    return _normalize({k: v for k, v in body.items() if k not in _TRANSPORT_FIELDS})


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: one spelling per value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def request_key(body: Mapping[str, Any], **context: Any) -> str:
    """``bs1-`` + sha256 hex of the normalised body plus `context` (endpoint, prompt hash…).

    `context` values that are None are left out, so adding an optional context field later
    does not change existing keys.
    """
    payload = {"body": normalize_request(body), "context": _normalize(context)}
    digest = hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
    return f"{KEY_VERSION}-{digest}"
