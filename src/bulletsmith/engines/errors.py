"""Errors an engine raises. Light on purpose: catching them never imports openai.

Every message is one line that names the endpoint's host and what went wrong. It never
carries an API key or a request header: messages from the HTTP library can echo them, so
the openai engine writes its own.
"""

from __future__ import annotations


class EngineError(RuntimeError):
    """The engine could not produce a result. The message is one line and holds no secret."""


class EndpointError(EngineError):
    """The endpoint failed: unreachable, timed out, rate limited, or answered with an HTTP error."""

    def __init__(self, message: str, *, host: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.host = host
        self.status = status
