"""The eval's recorded model calls (evals/recordings/): the openai engine's cases replayed offline,
or recorded from the configured endpoint with ``--record``; stale cases named with the prompt
files that changed. Scoring is `bulletsmith.evaluation`'s."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from bulletsmith.evaluation import Case, CaseError
from bulletsmith.models import Answer

if TYPE_CHECKING:  # imported where used: replay and record only, so the rules eval never loads the openai engine
    from bulletsmith.engines.openai.recording import RecordingTransport


# --------------------------------------------------------------------------- recordings: replay and record

RECORDINGS_INDEX = "index.json"
# Replay never opens a connection: the base URL is only a name, the key only a placeholder.
REPLAY_BASE_URL = "http://replay.invalid/v1"
REPLAY_API_KEY = "sk-replay-no-network"
RERECORD_HINT = (
    "re-record: start the server (scripts/llm-server 8080 &), then OPENAI_BASE_URL=http://127.0.0.1:8080/v1 "
    "BULLETSMITH_MODEL={model}{reasks} bulletsmith eval --engine openai --record (evals/README.md)"
)


class RecordingError(CaseError):
    """Recordings that can't be used as asked (wrong model for the folder, no endpoint)."""


class StaleCase(BaseModel):
    id: str
    call: str  # analyze or rewrite
    key: str
    prompts_changed: list[str] = Field(default_factory=list)
    message: str


def _rel(path: Path | None) -> str:
    if path is None:
        return "?"
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class Recordings:
    """The recorded model calls in one folder, and the cases they belong to.

    ``index.json`` names the model, mode and re-ask budget the recordings were made with and,
    per case, the keys of its requests and the sha256 of each prompt file at the time. The
    recordings themselves are ``<key>.json`` files beside it (`bulletsmith.engines.openai.recording`).

    Replay (the default) runs the recorded cases only, offline; a request whose key has no
    recording marks its case stale, naming the prompt file whose hash changed. Record
    (``record=True``) sends what is missing or stale to the configured endpoint, saves each
    recording at once and the index after each case, so an interrupted run keeps its work.
    """

    def __init__(self, directory: Path, *, record: bool = False, inner=None) -> None:  # noqa: ANN001
        from bulletsmith.engines.openai.recording import RecordingStore

        self.directory = Path(directory)
        self.record = record
        self.inner = inner  # the real transport for --record (default: httpx2.HTTPTransport()); tests pass another
        self.index = self._load_index()
        self.store = RecordingStore(self.directory)
        self.transport: RecordingTransport | None = None  # made by assistant()
        self.stale: list[StaleCase] = []
        self.not_recorded: list[str] = []
        self.ran: list[str] = []
        self.recorded_now: list[str] = []

    # -- the index -------------------------------------------------------------------------

    @property
    def index_path(self) -> Path:
        return self.directory / RECORDINGS_INDEX

    def _load_index(self) -> dict:
        import json

        try:
            data = json.loads(self.index_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"cases": {}}
        except (OSError, ValueError) as e:
            raise RecordingError(f"{self.index_path}: not readable JSON ({e})") from None
        if not isinstance(data, dict) or not isinstance(data.get("cases", {}), dict):
            raise RecordingError(f"{self.index_path}: expected an object with a 'cases' object")
        data.setdefault("cases", {})
        return data

    def save_index(self) -> None:
        import json

        from bulletsmith.fsutil import atomic_write

        self.directory.mkdir(parents=True, exist_ok=True)
        self.index["cases"] = dict(sorted(self.index["cases"].items()))
        atomic_write(self.index_path, json.dumps(self.index, indent=2, sort_keys=True, ensure_ascii=False) + "\n")

    @property
    def model(self) -> str | None:
        return self.index.get("model")

    @property
    def recorded_cases(self) -> list[str]:
        return sorted(self.index["cases"])

    def summary(self) -> dict:
        """What the report says about the recordings: model, server, which cases."""
        return {
            "model": self.index.get("model"),
            "served_model": self.index.get("served_model"),
            "server": self.index.get("server"),
            "mode": self.index.get("mode"),
            "max_reasks": self.index.get("max_reasks"),
            "recorded_cases": len(self.index["cases"]),
            "replayed": len(self.ran),
            "not_recorded": len(self.not_recorded),
            "stale": [s.id for s in self.stale],
        }

    # -- the assistant over the transport --------------------------------------------------

    def assistant(self, *, server: str | None = None):  # noqa: ANN201
        """The openai engine over the recordings (replay), or over the configured endpoint (record)."""
        from bulletsmith.assistant import Assistant, EngineUnavailable
        from bulletsmith.engines.openai.recording import RecordingStore, RecordingTransport

        if not self.record:
            if not self.model:
                return None
            self.transport = RecordingTransport(self.store)
            return Assistant(
                engine="openai",
                base_url=REPLAY_BASE_URL,
                api_key=REPLAY_API_KEY,
                model=self.model,
                mode=self.index.get("mode") or "tools",
                max_reasks=int(self.index.get("max_reasks", 2)),
                cache=False,
                http_client=self.transport,
                network_retries=0,  # a miss is final: nothing to retry offline
            )

        import httpx2

        from bulletsmith.engines.openai.settings import resolve_max_reasks, resolve_settings

        try:
            settings = resolve_settings()
        except ValueError as e:
            raise RecordingError(f"--record needs an endpoint: {e}") from None
        max_reasks = resolve_max_reasks()
        wanted = {"model": settings.model, "mode": settings.mode, "max_reasks": max_reasks}
        if self.index["cases"]:
            for name, value in wanted.items():
                if self.index.get(name) != value:
                    raise RecordingError(
                        f"{self.directory} holds recordings made with {name} {self.index.get(name)!r}, not {value!r}; "
                        f"record this {name} into another folder (--recordings evals/recordings-{settings.model}), "
                        "or set it back"
                    )
        self.index.update(wanted)
        if server:
            self.index["server"] = server
        self.store = RecordingStore(self.directory, secret=settings.api_key)
        self.transport = RecordingTransport(
            self.store, inner=self.inner or httpx2.HTTPTransport(), endpoint=settings.endpoint
        )
        try:
            return Assistant(engine="openai", cache=False, max_reasks=max_reasks, http_client=self.transport)
        except EngineUnavailable as e:
            raise RecordingError(str(e)) from None

    # -- one case ----------------------------------------------------------------------------

    def run_case(self, assistant, case: Case):  # noqa: ANN001, ANN201
        """(analysis, answers, rewrite) from the recordings, or None when the case can't replay."""
        from bulletsmith.engines.openai.prompts import load_prompt

        entry = self.index["cases"].get(case.id)
        if entry is None and not self.record:
            self.not_recorded.append(case.id)
            return None
        transport = self.transport
        assert transport is not None, "assistant() made the transport before any case runs"
        first_key, first_miss = len(transport.keys), len(transport.misses)
        prompts = {name: load_prompt(name) for name in ("analyze", "rewrite")}
        call = "analyze"
        try:
            with transport.context(prompt=prompts["analyze"].sha256):
                analysis = assistant.analyze(case.bullet)
            call = "rewrite"
            answers = {slot: Answer.parse(slot, value) for slot, value in case.answers.items()}
            with transport.context(prompt=prompts["rewrite"].sha256):
                rewrite = assistant.rewrite(analysis, answers)
        except Exception:
            if len(transport.misses) > first_miss:
                self.stale.append(self._stale(case, entry or {}, call, transport.misses[-1].key, prompts))
                return None
            raise
        if len(transport.misses) > first_miss:  # a miss the engine absorbed (should not happen): still stale
            self.stale.append(self._stale(case, entry or {}, call, transport.misses[-1].key, prompts))
            return None
        self.ran.append(case.id)
        if self.record:
            keys = list(dict.fromkeys(transport.keys[first_key:]))
            new_entry = {
                "keys": keys,
                "prompts": {name: p.sha256 for name, p in prompts.items()},
                "served_model": analysis.model,
            }
            old_keys = set((entry or {}).get("keys", []))
            if entry is None or entry.get("keys") != keys or entry.get("prompts") != new_entry["prompts"]:
                new_entry["recorded"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                self.index["cases"][case.id] = new_entry
                self.index["served_model"] = analysis.model
                self.recorded_now.append(case.id)
                self.save_index()
                still_used = {k for e in self.index["cases"].values() for k in e.get("keys", [])}
                for key in old_keys - still_used:  # the stale recordings this case replaced
                    self.store.delete(key)
        return analysis, answers, rewrite

    def _stale(self, case: Case, entry: dict, call: str, key: str, prompts: dict) -> StaleCase:
        recorded = entry.get("prompts", {})
        changed = [name for name, p in prompts.items() if recorded.get(name) and recorded[name] != p.sha256]
        # The call that missed names the prompt it rendered first.
        changed.sort(key=lambda name: name != call)
        if changed:
            why = "; ".join(
                f"{_rel(prompts[name].path)} changed since it was recorded "
                f"(sha256 {recorded[name][:12]} -> {prompts[name].sha256[:12]})"
                for name in changed
            )
        else:
            why = "the request changed with no prompt edit (model, mode, schema, or engine/guard code)"
        message = f"{case.id}: stale recording ({call} call, key {key}): {why}; " + self.rerecord_hint()
        return StaleCase(
            id=case.id, call=call, key=key, prompts_changed=[_rel(prompts[n].path) for n in changed], message=message
        )

    def rerecord_hint(self) -> str:
        reasks = self.index.get("max_reasks")
        return RERECORD_HINT.format(
            model=self.model or "MODEL", reasks=f" BULLETSMITH_MAX_REASKS={reasks}" if reasks not in (None, 2) else ""
        )

    def unused(self) -> list[str]:
        """Recording files no case of this run asked for (call after a run over every case)."""
        asked = set(self.transport.keys) if self.transport is not None else set()
        referenced = {k for e in self.index["cases"].values() for k in e.get("keys", [])}
        return sorted(self.store.keys() - asked - referenced)
