"""Print bulletsmith's performance figures. Not pass/fail: numbers, measured here and now.

    python benchmarks/run.py            # a table
    python benchmarks/run.py --json     # one JSON object, metric -> value

Figures about the model-facing path run against benchmarks/replay_server.py on 127.0.0.1
(recorded answers from evals/recordings where the request matches, else generated valid
answers; a fixed latency per response), so they measure bulletsmith, not a model.
benchmarks/README.md explains each figure and quotes the last run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # fault_server: make_bullet
BIN = Path(sys.executable).with_name("bulletsmith")
HEAVY = ("openai", "instructor", "httpx2", "httpx", "pydantic", "yaml", "rich", "docx", "pypdf", "markdown_it")


def median_wall(cmd: list[str], runs: int = 7, env: dict | None = None) -> float:
    return median_walls({"": (cmd, env)}, runs)[""]


def median_walls(cmds: dict[str, tuple[list[str], dict | None]], runs: int = 7) -> dict[str, float]:
    """name -> median wall time of its command; the commands take turns, so a burst of load on
    this shared machine falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, (cmd, env) in cmds.items():
            start = time.perf_counter()
            subprocess.run(
                cmd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
                env={**os.environ, "TERM": "dumb", **(env or {})},
            )
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def installed_copy(work: Path) -> dict:
    """bulletsmith as `pip install .` leaves it, for the startup figures: the wheel's files (the
    package and, as pyproject's force-include says, the prompts inside it) in a folder of their
    own, compiled to bytecode the way pip compiles a wheel's modules when it installs them. This
    checkout is an editable install, and here PYTHONDONTWRITEBYTECODE is set, so each run of the
    editable command compiles bulletsmith's modules from source; an installed wheel never does.
    Built here rather than with `pip wheel`, which would fetch the build backend (the benchmark
    reaches nothing but 127.0.0.1). Returns the environment that runs the console script on it."""
    import compileall
    import shutil

    root = HERE.parent
    site = work / "installed-site"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(root / "src" / "bulletsmith", site / "bulletsmith", ignore=ignore)
    shutil.copytree(root / "prompts", site / "bulletsmith" / "prompts", ignore=ignore, dirs_exist_ok=True)
    if not compileall.compile_dir(str(site), quiet=1, force=True):
        raise RuntimeError("compiling the installed copy failed")
    env = {"PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import bulletsmith; print(bulletsmith.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    ).stdout.strip()
    if not where.startswith(str(site)):
        raise RuntimeError(f"the installed copy is not the one imported: {where}")
    return env


def startup_figures(work: Path) -> dict:
    """`bulletsmith --help` and `bulletsmith analyze --engine rules "…"` as a person runs them:
    the console script of an installed wheel (the figures judged), and this editable checkout."""
    installed = installed_copy(work)
    help_cmd = [str(BIN), "--help"]
    rules_cmd = [str(BIN), "analyze", "--engine", "rules", "Built a classification model for image labeling"]
    m = median_walls(
        {
            "help": (help_cmd, installed),
            "help_editable": (help_cmd, None),
            "rules": (rules_cmd, installed),
            "rules_editable": (rules_cmd, None),
        }
    )
    return {
        "help_startup_s": round(m["help"], 3),
        "rules_analyze_startup_s": round(m["rules"], 3),
        "help_startup_editable_s": round(m["help_editable"], 3),
        "rules_analyze_startup_editable_s": round(m["rules_editable"], 3),
        "startup_installed_as": "wheel files compiled to bytecode at install (pip's default), imported from "
        "their own folder; *_editable_s: this checkout's editable install"
        + (
            " with PYTHONDONTWRITEBYTECODE=1 (compiles bulletsmith on every run)"
            if os.environ.get("PYTHONDONTWRITEBYTECODE")
            else ""
        ),
    }


def import_figures() -> dict:
    code = (
        "import sys, time; t = time.perf_counter(); import bulletsmith; d = time.perf_counter() - t;"
        f"print(d); print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    code_cli = f"import sys, bulletsmith.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    cli = subprocess.run([sys.executable, "-c", code_cli], capture_output=True, text=True, check=True).stdout.strip()
    return {
        "import_s": round(float(out[0]), 4),
        "heavy_modules_on_import": [m for m in out[1].split(",") if m],
        "heavy_modules_on_cli_import": [m for m in cli.split(",") if m],
    }


def rules_throughput(n: int = 10_000) -> dict:
    from bulletsmith import Assistant

    bullets = [
        "Built a classification model for image labeling",
        "Redesigned labeling taxonomy for LLM feedback data, increasing annotator agreement from 0.68 to 0.84 "
        "and reducing edge-case mislabels by 37% over 3M examples",
        "Cut p99 produce latency 40% by reworking the replication fetch path",
        "Worked on the AV data pipeline",
    ]
    work = [bullets[i % len(bullets)] + f" ({i})" for i in range(n)]
    a = Assistant(engine="rules")
    start = time.process_time()
    for b in work:
        a.analyze(b)
    cpu = time.process_time() - start
    return {"rules_bullets_per_s": round(n / cpu), "rules_cpu_ms_per_bullet": round(1000 * cpu / n, 3)}


# ---------------------------------------------------------------------------- against the replay server

LATENCY = 0.3
BATCH_BULLETS = 40
BATCH_CONCURRENCY = 16


class Server:
    """benchmarks/replay_server.py in its own process, so its CPU time is not counted as ours."""

    def __init__(self, latency: float, **options: object) -> None:
        cmd = [sys.executable, str(HERE / "replay_server.py"), "--latency", str(latency), "--lifetime", "900"]
        for k, v in options.items():
            cmd += [f"--{k.replace('_', '-')}", str(v)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the replay server did not start")
        self.base_url = json.loads(line)["base_url"]
        assert self.base_url.startswith("http://127.0.0.1:"), self.base_url  # loopback only

    def _call(self, method: str, path: str) -> dict:
        import urllib.request

        root = self.base_url.removesuffix("/v1")
        req = urllib.request.Request(root + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def stats(self) -> dict:
        return self._call("GET", "/stats")

    def reset(self) -> None:
        self._call("POST", "/reset")

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._call("POST", "/stop")
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _resume(directory: Path, bullets: list[str]) -> Path:
    path = directory / "resume.md"
    path.write_text("# Experience\n\n" + "".join(f"- {b}\n" for b in bullets), encoding="utf-8")
    return path


def _assistant(server: Server, cache: object, concurrency: int = BATCH_CONCURRENCY):
    from bulletsmith import Assistant

    return Assistant(engine="openai", base_url=server.base_url, model="smollm2", cache=cache, concurrency=concurrency)


def _mean(values: list[float]) -> float | None:
    return round(statistics.mean(values), 1) if values else None


def batch_figures(work: Path) -> dict:
    import math
    import tempfile

    from support.fault_server import make_bullet

    from bulletsmith.batch import run_batch
    from bulletsmith.documents import load_document

    out: dict = {}
    with Server(LATENCY) as server:
        # Warm-up: first-use costs of the process (imports, schemas, the TLS context) are not per-bullet
        # costs. Configured as the measured batch is (a response cache, in a folder of its own), so its
        # first use (importing diskcache and sqlite3, ~10 ms) is not counted in the batch either.
        warm_doc = load_document(_resume(Path(tempfile.mkdtemp(dir=work)), [make_bullet(1000 + i) for i in range(8)]))
        run_batch(warm_doc, _assistant(server, cache=Path(tempfile.mkdtemp(dir=work))))
        server.reset()

        doc = load_document(_resume(Path(tempfile.mkdtemp(dir=work)), [make_bullet(i) for i in range(BATCH_BULLETS)]))
        cache_dir = Path(tempfile.mkdtemp(dir=work))
        cpu0, wall0 = time.process_time(), time.perf_counter()
        result = run_batch(doc, _assistant(server, cache=cache_dir))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        cold = server.stats()
        failed = result.count(__import__("bulletsmith.batch", fromlist=["Status"]).Status.FAILED)
        per_bullet = cold["requests"] / BATCH_BULLETS
        ideal = math.ceil(BATCH_BULLETS / BATCH_CONCURRENCY) * per_bullet * LATENCY
        out["batch_wall_s"] = round(wall, 3)
        out["batch_ideal_s"] = round(ideal, 3)
        out["batch_wall_ratio"] = round(wall / ideal, 3)
        out["batch_failed_bullets"] = failed
        out["batch_max_requests_in_flight"] = cold["max_in_flight"]
        # Every bullet here has all four slots: its rewrite comes with the analysis.
        out["requests_per_bullet_complete_bullet"] = round(per_bullet, 3)
        out["overhead_ms_per_bullet"] = round(1000 * cpu / BATCH_BULLETS, 2)
        out["batch_answers"] = cold["by_kind_source"]

        server.reset()
        run_batch(doc, _assistant(server, cache=cache_dir))
        out["requests_per_bullet_warm"] = round(server.stats()["requests"] / BATCH_BULLETS, 3)

        gaps, gaps_stats = _gaps_figures(server, work)
        out.update(gaps)

        # Tokens: the recorded eval bullets replay real model answers with the model's own counts.
        server.reset()
        recorded_bullets = _recorded_bullets()
        a = _assistant(server, cache=False, concurrency=8)
        a.analyze_many(recorded_bullets)
        rec = server.stats()
        # Complete bullets make no rewrite request: rewrite figures come from the gaps batch.
        by_kind = {"analyze": cold, "rewrite": gaps_stats}
        toks = {k: by_kind[k]["tokens"][k] for k in by_kind}
        for kind in ("analyze", "rewrite"):
            reported = [r for s, r, _ in rec["tokens"][kind] if s == "recorded"]
            estimate = [e for _, _, e in toks[kind] + rec["tokens"][kind]]
            name = "analysis" if kind == "analyze" else "rewrite"
            out[f"{name}_input_tokens"] = _mean(reported) if reported else _mean(estimate)
            out[f"{name}_input_tokens_source"] = (
                f"recorded usage (model's tokenizer), {len(reported)} requests"
                if reported
                else f"estimate (chars/4), {len(estimate)} requests"
            )
            out[f"{name}_input_tokens_estimate"] = _mean(estimate)
            prefix = by_kind[kind]["static_prefix_chars"][kind]
            total = by_kind[kind]["mean_request_chars"][kind]
            out[f"{name}_static_prefix_share"] = round(prefix / total, 3) if total else None
        out["recorded_replay_answers"] = rec["by_kind_source"]

        # Where the client's CPU goes: a profiled cold batch (configured as the measured one),
        # tottime grouped by package, scaled to the unprofiled CPU per bullet measured above.
        import cProfile
        import pstats

        doc = load_document(
            _resume(Path(tempfile.mkdtemp(dir=work)), [make_bullet(3000 + i) for i in range(BATCH_BULLETS)])
        )
        profiler = cProfile.Profile()
        a = _assistant(server, cache=Path(tempfile.mkdtemp(dir=work)))
        profiler.enable()
        run_batch(doc, a)
        profiler.disable()
        by_package = _cpu_by_package(pstats.Stats(profiler).stats)  # type: ignore[attr-defined]
        busy = sum(by_package.values()) or 1.0
        out["overhead_ms_per_bullet_bulletsmith_code"] = round(
            out["overhead_ms_per_bullet"] * by_package["bulletsmith"] / busy, 2
        )
        out["overhead_ms_per_bullet_by_package"] = {
            k: round(out["overhead_ms_per_bullet"] * v / busy, 2) for k, v in by_package.most_common(8)
        }
    return out


def _package(filename: str) -> str:
    if "/src/bulletsmith/" in filename:
        return "bulletsmith"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    return "python (stdlib)"


def _cpu_by_package(stats: dict):  # -> collections.Counter[str]
    """Profiled self time by package. A builtin (isinstance, getattr, a regex method…) has no
    file: its time goes to the packages that called it, in proportion to their calls' time,
    so a library's hot loop of builtins is counted as that library's work."""
    from collections import Counter

    out: Counter = Counter()
    for (filename, _, name), (_, _, tottime, _, callers) in stats.items():
        if "'poll' of 'select.epoll' objects" in name:
            continue  # waiting, not working
        if filename != "~":
            out[_package(filename)] += tottime
            continue
        shares = {caller: value[2] for caller, value in callers.items()}
        total = sum(shares.values())
        if not total:
            out["python (stdlib)"] += tottime
            continue
        for (caller_file, _, _), share in shares.items():
            out[_package(caller_file) if caller_file != "~" else "python (stdlib)"] += tottime * share / total
    return out


def _gaps_figures(server: Server, work: Path) -> tuple[dict, dict]:
    """Bullets with missing slots, the way a person meets them: rewrite writes the questions,
    the person answers, rewrite again. Requests per bullet over both runs, cache on."""
    import tempfile

    from bulletsmith.answer_bank import AnswerBank
    from bulletsmith.batch import run_batch
    from bulletsmith.documents import load_document

    bullets = [f"Built label audits for queue q{i} of the detector training set" for i in range(BATCH_BULLETS)]
    doc = load_document(_resume(Path(tempfile.mkdtemp(dir=work)), bullets))
    cache_dir = Path(tempfile.mkdtemp(dir=work))
    server.reset()
    first = run_batch(doc, _assistant(server, cache=cache_dir))
    questions = first.questions_file("resume.md", AnswerBank())
    for entry in questions.bullets:
        for q in entry.questions:
            q.answer = "unknown" if q.slot.value == "model_impact" else "label error rate 9% -> 3%"
    bank = AnswerBank()
    bank.add_file(questions)
    second = run_batch(doc, _assistant(server, cache=cache_dir), bank)
    stats = server.stats()
    return {
        "requests_per_bullet_cold": round(stats["requests"] / BATCH_BULLETS, 3),
        "gaps_batch_answers": stats["by_kind_source"],
        "gaps_batch_rewritten": sum(1 for o in second.outcomes if o.rewrite is not None),
    }, stats


def _recorded_bullets() -> list[str]:
    import re

    bullets = []
    for path in sorted((HERE.parent / "evals" / "recordings").glob("*.json")):
        try:
            body = json.loads(path.read_text(encoding="utf-8"))["request"]["body"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        messages = body.get("messages") or []
        if len(messages) != 2 or "AnalyzeCall" not in json.dumps(body.get("tool_choice")):
            continue  # first attempts of analyses only
        m = re.search(r"^Bullet: (.*)$", messages[-1].get("content") or "", re.MULTILINE)
        if m and m.group(1).strip() not in bullets:
            bullets.append(m.group(1).strip())
    return bullets


def coach_figures(work: Path, bullets: int = 8, think: float = 0.5) -> dict:
    import tempfile

    from support.fault_server import make_bullet

    from bulletsmith.coach import Coach, Stage
    from bulletsmith.documents import load_document

    with Server(LATENCY) as server:
        resume = _resume(Path(tempfile.mkdtemp(dir=work)), [make_bullet(i) for i in range(bullets)])
        c = Coach(load_document(resume), _assistant(server, cache=False, concurrency=4))
        c.start()
        try:
            while (s := c.step()).stage is not Stage.DONE:
                time.sleep(think)  # the person reads what is shown
                c.handle("" if s.stage is Stage.QUESTION else "a" if s.stage is Stage.DECIDE else "k")
        finally:
            c.close()
    stats = c.stats
    return {
        "coach_wait_between_bullets_s": round(stats.analysis_after_first, 3),
        "coach_rewrite_wait_s": round(stats.rewrite_total, 3),
        "coach_first_bullet_wait_s": round(stats.first_analysis, 3),
        "coach_script": f"{bullets} bullets, {LATENCY * 1000:.0f} ms a response, {think:g} s reading per step",
    }


def adaptive_figures(work: Path) -> dict:
    """A provider that allows 4 requests at once: the batch of 40 must finish, not fail."""
    import tempfile

    from support.fault_server import make_bullet

    from bulletsmith.batch import Status, run_batch
    from bulletsmith.documents import load_document

    with Server(0.05, capacity=4, retry_after=0.1) as server:
        doc = load_document(
            _resume(Path(tempfile.mkdtemp(dir=work)), [make_bullet(2000 + i) for i in range(BATCH_BULLETS)])
        )
        start = time.perf_counter()
        result = run_batch(doc, _assistant(server, cache=False))
        wall = time.perf_counter() - start
        s = server.stats()
    return {
        "rate_limited_batch": {
            "provider_capacity": 4,
            "concurrency": BATCH_CONCURRENCY,
            "bullets": BATCH_BULLETS,
            "failed_bullets": result.count(Status.FAILED),
            "responses_429": s["rate_limited_429"],
            "answered": s["requests"],
            "wall_s": round(wall, 2),
        }
    }


def targets(f: dict) -> dict:
    """Each target of issue 7: the figure, the bound, met or not, and why when not."""

    def row(value: object, bound: str, met: bool | None, why: str | None = None) -> dict:
        return {"value": value, "target": bound, "met": met, **({"why": why} if why and met is not True else {})}

    cpu_why = (
        f"the client's CPU per bullet is {f.get('overhead_ms_per_bullet')} ms "
        f"({f.get('requests_per_bullet_complete_bullet')} requests a bullet), of which bulletsmith's own code is "
        f"{f.get('overhead_ms_per_bullet_bulletsmith_code')} ms; the rest is the libraries' per-request work: "
        f"instructor {(f.get('overhead_ms_per_bullet_by_package') or {}).get('instructor')} ms (it walks the "
        "response model's classes and their MRO for async validators six times a request, with no public way "
        "to skip it), the openai client's request and response machinery, pydantic, the HTTP stack (httpx2, "
        "httpcore2, h11, anyio) and the asyncio event loop. bulletsmith sends through the client's public "
        "chat.completions.create (its TypedDict transform included), hands instructor a prebuilt response "
        "model, and shares one TLS context between clients"
    )
    get = f.get

    def no_bytecode(key: str) -> str:
        return (
            f"; this editable checkout, with PYTHONDONTWRITEBYTECODE set, compiles bulletsmith's modules on every "
            f"run: {f.get(key.removesuffix('_s') + '_editable_s')} s"
            if os.environ.get("PYTHONDONTWRITEBYTECODE")
            else ""
        )

    def num(key: str) -> float:
        value = f.get(key)
        return float("nan") if value is None else float(value)  # nan: every comparison is False

    return {
        "batch_wall_ratio": row(
            get("batch_wall_ratio"),
            "<= 1.25",
            num("batch_wall_ratio") <= 1.25,
            "a round's 16 answers arrive together and one event loop reads and parses them one "
            "after another (the next round's requests go out first); the rest of a round's "
            "overhead is that CPU: " + cpu_why,
        ),
        "requests_per_bullet_cold": row(get("requests_per_bullet_cold"), "<= 2", num("requests_per_bullet_cold") <= 2),
        "requests_per_bullet_warm": row(get("requests_per_bullet_warm"), "= 0", get("requests_per_bullet_warm") == 0),
        "one_request_for_a_complete_bullet": row(
            get("requests_per_bullet_complete_bullet"),
            "= 1 (asked: can it be 1?)",
            get("requests_per_bullet_complete_bullet") == 1,
            "the analysis answer carries the rewrite only when all four slots are present and every number "
            "is the bullet's; otherwise the rewrite call follows",
        ),
        "analysis_input_tokens": row(get("analysis_input_tokens"), "<= 1500", num("analysis_input_tokens") <= 1500),
        "static_prompt_first": row(
            {"analysis": get("analysis_static_prefix_share"), "rewrite": get("rewrite_static_prefix_share")},
            "system prompt (static) before the bullet",
            num("analysis_static_prefix_share") > 0.5,
        ),
        "coach_wait_between_bullets_s": row(
            get("coach_wait_between_bullets_s"), "~0 (< 0.05)", num("coach_wait_between_bullets_s") < 0.05
        ),
        "help_startup_s": row(
            get("help_startup_s"),
            "<= 0.3",
            num("help_startup_s") <= 0.3,
            "typer renders help with rich (rich + markdown_it ~100 ms) on top of typer (~60 ms)"
            + no_bytecode("help_startup_s"),
        ),
        "rules_analyze_startup_s": row(
            get("rules_analyze_startup_s"),
            "<= 0.3",
            num("rules_analyze_startup_s") <= 0.3,
            "most of a run is imports: typer, then pydantic (typer 0.29 builds its parameter converters "
            "with it, and bulletsmith.models is pydantic models), then the rules engine (its modules, their "
            "regexes); the figure is for an installed wheel" + no_bytecode("rules_analyze_startup_s"),
        ),
        # Retired: the project prefers the libraries' public APIs to bypassing them for CPU (README).
        "overhead_ms_per_bullet": row(
            get("overhead_ms_per_bullet"), "none (the 5 ms target is retired)", None, cpu_why
        ),
        "rate_limited_batch_finishes": row(
            (get("rate_limited_batch") or {}).get("failed_bullets"),
            "0 failed bullets",
            (get("rate_limited_batch") or {}).get("failed_bullets") == 0,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--bullets", type=int, default=10_000, help="bullets for the rules throughput figure")
    args = parser.parse_args()

    figures: dict = {"load_average_before": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory() as tmp:
        figures.update(startup_figures(Path(tmp)))
    figures.update(import_figures())
    figures.update(rules_throughput(args.bullets))
    # Loopback only: no proxy from the environment may sit between us and 127.0.0.1.
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = "127.0.0.1,localhost"
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BULLETSMITH_STATE_DIR"] = str(Path(tmp) / "state")  # the coach's session file
        for part in (batch_figures, coach_figures, adaptive_figures):
            figures.update(part(Path(tmp)))
    figures["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
    figures["cpus"] = os.cpu_count()
    figures["targets"] = targets(figures)
    figures["targets_not_met"] = [k for k, v in figures["targets"].items() if v["met"] is False]
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:<38} {value}")


if __name__ == "__main__":
    main()
