"""The openai engine's settings: endpoint, key, model, mode, re-asks, timeout.

First found wins: the Assistant's arguments, then the environment (``OPENAI_API_KEY``,
``OPENAI_BASE_URL``, ``BULLETSMITH_MODEL``, ``BULLETSMITH_MODE``, ``BULLETSMITH_MAX_REASKS``,
``BULLETSMITH_TIMEOUT``), then the defaults here. A base URL without a key is a local server
(llama.cpp, Ollama, vLLM, LM Studio): a placeholder key is sent, which those servers ignore.

A setting that can't be used raises `InputError` with one line that says what to set. Light
on purpose: nothing here imports openai or instructor, so `bulletsmith eval` can check the
settings before the engine loads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bulletsmith.errors import InputError

__all__ = [
    "DEFAULT_LOCAL_TIMEOUT",
    "DEFAULT_MAX_REASKS",
    "DEFAULT_MODEL",
    "DEFAULT_NETWORK_DEADLINE",
    "DEFAULT_NETWORK_RETRIES",
    "DEFAULT_TIMEOUT",
    "FRESH_TEMPERATURE",
    "MODES",
    "NO_KEY",
    "Settings",
    "resolve_max_reasks",
    "resolve_settings",
    "resolve_timeout",
]

# A current small OpenAI chat model: cheap, fast, good at tool calls, and it accepts
# temperature 0 (reasoning models such as gpt-5-mini or o4-mini do not).
DEFAULT_MODEL = "gpt-4.1-mini"
DEFAULT_MAX_REASKS = 2
DEFAULT_TIMEOUT = 60.0  # seconds for one HTTP request
# A model on the same machine (llama.cpp, Ollama on a laptop CPU) can take minutes for one
# answer, and retrying after a timeout only queues a second request behind the first.
DEFAULT_LOCAL_TIMEOUT = 300.0
DEFAULT_NETWORK_RETRIES = 4  # extra tries per call for network faults, shared by its re-asks
DEFAULT_NETWORK_DEADLINE = 120.0  # seconds a call may spend retrying network faults
# A fresh rewrite (the coach's "regenerate") is sent at this temperature, or the prompt's own if
# higher: at the prompts' temperature 0 the model would give the same wording again.
FRESH_TEMPERATURE = 0.7
# Sent to servers that need no key (a local llama.cpp, Ollama, vLLM): the client insists on one.
NO_KEY = "no-key-needed"

# BULLETSMITH_MODE values (the engine maps each to an instructor mode). tools: function calling,
# what OpenAI, Azure, vLLM, Ollama and the llama.cpp Python server all support. json_schema:
# response_format with the schema, for servers without tool calling. md_json: the schema in the
# prompt, JSON back in a code block, for servers that have neither.
MODES = ("tools", "json_schema", "md_json")

_OPENAI = "https://api.openai.com/v1"


@dataclass(frozen=True)
class Settings:
    base_url: str | None
    api_key: str = field(repr=False)
    model: str
    mode: str

    @property
    def host(self) -> str:
        """The endpoint as errors name it: host[:port], never a credential."""
        parts = urlsplit(self.base_url or _OPENAI)
        host = parts.hostname or "endpoint"
        return f"{host}:{parts.port}" if parts.port else host

    @property
    def local(self) -> bool:
        host = urlsplit(self.base_url or _OPENAI).hostname or ""
        return host in ("localhost", "::1") or host.startswith("127.")

    @property
    def endpoint(self) -> str:
        """The base URL without credentials or query, for cache and recording keys."""
        parts = urlsplit(self.base_url or _OPENAI)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def resolve_settings(
    *, base_url: str | None = None, api_key: str | None = None, model: str | None = None, mode: str | None = None
) -> Settings:
    """Arguments first, then OPENAI_BASE_URL, OPENAI_API_KEY, BULLETSMITH_MODEL, BULLETSMITH_MODE."""
    base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
    api_key = api_key or os.environ.get("OPENAI_API_KEY") or None
    if not api_key and not base_url:
        raise InputError(
            "the openai engine needs an endpoint: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL "
            "(any OpenAI-compatible server), or pass api_key= / base_url="
        )
    mode = (mode or os.environ.get("BULLETSMITH_MODE") or "tools").strip().lower()
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r} (BULLETSMITH_MODE); choose one of: {', '.join(MODES)}")
    model = model or os.environ.get("BULLETSMITH_MODEL") or DEFAULT_MODEL
    return Settings(base_url=base_url, api_key=api_key or NO_KEY, model=model, mode=mode)


def resolve_max_reasks(value: int | None = None) -> int:
    """How often a guard violation goes back to the model: the argument, else
    $BULLETSMITH_MAX_REASKS, else 2 (never below 0)."""
    if value is None:
        env = os.environ.get("BULLETSMITH_MAX_REASKS", "").strip()
        try:
            value = int(env) if env else DEFAULT_MAX_REASKS
        except ValueError:
            raise InputError(f"BULLETSMITH_MAX_REASKS must be a whole number, not {env!r}") from None
    return max(0, int(value))


def resolve_timeout(value: float | None, *, local: bool) -> float:
    """Seconds for one HTTP request: the argument, else $BULLETSMITH_TIMEOUT (the CLI has no flag
    for it), else the default for a local or a remote endpoint."""
    if value:
        return float(value)
    env = os.environ.get("BULLETSMITH_TIMEOUT", "").strip()
    if not env:
        return DEFAULT_LOCAL_TIMEOUT if local else DEFAULT_TIMEOUT
    try:
        seconds = float(env)
    except ValueError:
        raise InputError(f"BULLETSMITH_TIMEOUT must be a number of seconds, not {env!r}") from None
    if seconds <= 0:
        raise InputError(f"BULLETSMITH_TIMEOUT must be a number of seconds above 0, not {env!r}")
    return seconds
