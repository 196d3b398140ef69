"""The errors bulletsmith raises: one base, two families.

    BulletsmithError                    every error the library raises on purpose
    ├── InputError (ValueError)         what the person gave can't be used: a file, an answer,
    │                                   a bullet, a setting. The CLI exits 2.
    └── EngineError (RuntimeError)      the engine could not produce a result. The CLI exits 1.
        └── EndpointError               the endpoint failed: unreachable, timed out, an HTTP error

Each also keeps the builtin base it had (ValueError, RuntimeError), so code written against
those still works. Messages are one line and never hold an API key or a request header:
messages from the HTTP library can echo them, so the openai engine writes its own.

Light on purpose: catching these never imports openai.

`batch.BatchInterrupted` is the one exception outside this tree: it is a KeyboardInterrupt
carrying what was saved, and an interrupt must never be caught by `except Exception`.
"""

from __future__ import annotations

__all__ = ["BulletsmithError", "EndpointError", "EngineError", "InputError"]


class BulletsmithError(Exception):
    """The base of every error bulletsmith raises."""


class InputError(BulletsmithError, ValueError):
    """What the person gave can't be used; the message says what and how to fix it."""


class EngineError(BulletsmithError, RuntimeError):
    """The engine could not produce a result. The message is one line and holds no secret."""


class EndpointError(EngineError):
    """The endpoint failed: unreachable, timed out, rate limited, or answered with an HTTP error."""

    def __init__(self, message: str, *, host: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.host = host
        self.status = status
