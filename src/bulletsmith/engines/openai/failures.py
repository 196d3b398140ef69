"""What went wrong, in one line, with secrets redacted.

Messages from the HTTP library and from servers can echo the API key or a request header, so
the engine never passes them on as they are: an endpoint failure becomes an `EndpointError`
worded here (the host, the HTTP status, what to check), and a model answer that still failed
its checks becomes a short reason. Both go through `redact`.
"""

from __future__ import annotations

import re
from typing import Any

import openai
from pydantic import ValidationError

from bulletsmith.engines.openai.settings import NO_KEY, Settings
from bulletsmith.errors import EndpointError

__all__ = ["endpoint_error", "redact", "server_message", "short_reason"]

_SECRET_PATTERNS = [
    re.compile(r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-*]{6,}"),
    re.compile(r"(?i)\b(bearer|api[-_ ]?key[\"']?\s*[:=])\s*[\"']?[^\s\"',;]+"),
]


def redact(text: str, secret: str | None) -> str:
    """`text` on one line, without `secret` or anything shaped like a key or a bearer token."""
    if secret and len(secret) >= 4 and secret != NO_KEY:
        text = text.replace(secret, "***")
    text = _SECRET_PATTERNS[0].sub("***", text)
    text = _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)} ***", text)
    return " ".join(text.split())


def short_reason(exc: BaseException) -> str:
    """Why a model answer failed its checks, in at most 300 characters."""
    if isinstance(exc, ValidationError):
        msgs = []
        for err in exc.errors():
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            loc = ".".join(str(p) for p in err.get("loc", ()))
            msgs.append(f"{loc}: {msg}" if loc and err.get("type") != "value_error" else msg)
        text = "; ".join(msgs)
    elif isinstance(exc, AssertionError):
        text = f"the model refused ({exc})"
    else:
        text = str(exc) or type(exc).__name__
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:299] + "…"


def server_message(exc: Any) -> str:
    """The message in an HTTP error's body, in the shapes servers use, or ""."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return str(err.get("message") or err.get("detail") or "")
        if isinstance(err, str):
            return err
    if isinstance(body, str):
        return body
    return ""


def endpoint_error(
    exc: openai.OpenAIError,
    settings: Settings,
    *,
    timeout: float,
    tries: int,
    asked_to_wait: float | None = None,
    beyond: str = "the time left",
) -> EndpointError:
    """The error a call ends with when the endpoint failed after `tries` tries.

    asked_to_wait: the wait the server asked for, when it was beyond `beyond` (the network
    budget's time left, or the deadline the person set for a rate limit)."""
    host = settings.host
    gave_up = f" (gave up after {tries} tries)" if tries > 1 else ""
    status = getattr(exc, "status_code", None)
    if isinstance(exc, openai.APITimeoutError):
        message = f"{host}: no answer within {timeout:g} s{gave_up}"
    elif isinstance(exc, openai.APIConnectionError):
        reason = redact(str(exc.__cause__ or "") or "connection failed", settings.api_key)
        message = f"{host}: can't connect ({reason[:120]}){gave_up}; is the server running and OPENAI_BASE_URL right?"
    elif isinstance(exc, openai.APIStatusError):
        phrase = getattr(exc.response, "reason_phrase", "") or ""
        said = redact(server_message(exc), settings.api_key)[:160]
        message = f"{host}: HTTP {status}" + (f" {phrase}" if phrase else "") + (f": {said}" if said else "")
        if asked_to_wait is not None:
            message += f" (the server asked to wait {asked_to_wait:.0f} s, beyond {beyond})"
        message += gave_up
        if status == 401:
            message += "; check the API key (OPENAI_API_KEY)"
        elif status == 404:
            message += (
                f"; check the model name ({settings.model!r}, BULLETSMITH_MODEL) and that the base URL ends in /v1"
            )
    else:
        message = f"{host}: {redact(str(exc), settings.api_key)[:160]}"
    return EndpointError(message, host=host, status=status)
