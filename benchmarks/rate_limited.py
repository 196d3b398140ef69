"""A resume behind an OpenAI-style tokens-per-minute limit: wall time against the limit's floor.

    .venv/bin/python benchmarks/rate_limited.py                    # 88 real bullets, 60,000 TPM, once
    .venv/bin/python benchmarks/rate_limited.py --runs 3 --json

The resume is the 88 real bullets of /work/shared/realdata/bullets.jsonl (or --bullets FILE, a
JSONL with "text"), rewritten by `run_batch` with the openai engine as the CLI builds it
(default concurrency, empty cache) against `replay_server.py --tokens-per-minute N`: 300 ms
answers, tokens counted at admission by the server's own tokenizer (prompt + max_tokens),
``x-ratelimit-*`` headers on every answer, 429 with "Please try again in N" and no Retry-After
beyond the limit (tests/support/rate_limit.py).

floor_s: the time the limit itself requires, (tokens admitted - the first minute's allowance)
/ the allowed rate; ratio = wall / floor. --answers gives every question an answer, so each
bullet costs an analysis and a rewrite (the questions file's way), not only an analysis.
--reask-rate P: that share of first analyses is answered ungrounded, so instructor re-asks.
--files N --bullets-total M: M bullets (the real ones again and again, each time with a
different closing clause so no two are the same request) over N resumes in one
`run_batches` run, as `bulletsmith rewrite FOLDER` runs them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from run import Server

REAL_BULLETS = Path("/work/shared/realdata/bullets.jsonl")


def read_bullets(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def one_run(
    bullets: list[str], tpm: int, *, answers: bool, latency: float, reask_rate: float = 0.0, files: int = 1
) -> dict:
    from bulletsmith import Assistant
    from bulletsmith.answer_bank import AnswerBank
    from bulletsmith.batch import Status, run_batch
    from bulletsmith.documents import load_document

    work = Path(tempfile.mkdtemp(prefix="bulletsmith-ratelimit-"))
    resume = work / "resume.md"
    resume.write_text("# Experience\n\n" + "".join(f"- {' '.join(b.split())}\n" for b in bullets), encoding="utf-8")
    if files > 1:
        return many_files(work, bullets, tpm, files=files, latency=latency, reask_rate=reask_rate)
    waits: list[float | None] = []
    with Server(latency, tokens_per_minute=tpm, reask_rate=reask_rate) as server:
        # A cache of its own, empty: the --answers pass reads its analyses back, as the CLI's second run does.
        assistant = Assistant(engine="openai", base_url=server.base_url, model="gpt-4.1-mini", cache=work / "cache")
        assistant.on_rate_limit = waits.append
        document = load_document(resume)
        bank = AnswerBank()
        start = time.perf_counter()
        result = run_batch(document, assistant, bank)
        if answers:  # the second run of the questions-file way: every question answered
            questions = result.questions_file(resume.name, bank)
            for entry in questions.bullets:
                for q in entry.questions:
                    q.answer = "unknown" if q.slot.value == "model_impact" else "review time cut from 3 days to 1"
            bank.add_file(questions)
            result = run_batch(document, assistant, bank)
        wall = time.perf_counter() - start
        stats = server.stats()
    limit = stats["limit"]
    admitted = limit["tokens_admitted"]
    rate = tpm / 60
    floor = max(0.0, admitted - tpm) / rate
    usage = [o.analysis.usage for o in result.outcomes if o.analysis] + [
        o.rewrite.usage for o in result.outcomes if o.rewrite
    ]
    return {
        "bullets": len(document.bullets),
        "tokens_per_minute": tpm,
        "wall_s": round(wall, 1),
        "floor_s": round(floor, 1),
        "ratio": round(wall / floor, 3) if floor else None,
        "failed_bullets": result.count(Status.FAILED),
        # Why each failed bullet failed: rate limiting, or the generated answer (a guard)?
        "failures": [
            o.error or "; ".join(str(w) for w in (o.rewrite.warnings if o.rewrite else []))
            for o in result.outcomes
            if o.status is Status.FAILED
        ][:5],
        "requests_admitted": limit["admitted"],
        "responses_429": limit["rejected_429"],
        "tokens_admitted": admitted,
        "tokens_per_bullet_counted_by_limit": round(admitted / len(document.bullets)),
        "tokens_per_bullet_reported_usage": round(
            sum(u.prompt_tokens + u.completion_tokens for u in usage) / len(document.bullets)
        ),
        "waiting_reports": sum(1 for w in waits if w is not None),
        "reasks": sum(u.reasks for u in usage),
    }


def many_files(work: Path, bullets: list[str], tpm: int, *, files: int, latency: float, reask_rate: float) -> dict:
    from bulletsmith import Assistant
    from bulletsmith.answer_bank import AnswerBank
    from bulletsmith.batch import Status, run_batches
    from bulletsmith.documents import load_document

    paths = [work / f"resume{n:03d}.md" for n in range(files)]
    for n, path in enumerate(paths):
        mine = bullets[n::files]
        path.write_text("# Experience\n\n" + "".join(f"- {' '.join(b.split())}\n" for b in mine), encoding="utf-8")
    with Server(latency, tokens_per_minute=tpm, reask_rate=reask_rate) as server:
        assistant = Assistant(engine="openai", base_url=server.base_url, model="gpt-4.1-mini", cache=work / "cache")
        documents = [load_document(p) for p in paths]
        start = time.perf_counter()
        results = run_batches([(d, AnswerBank()) for d in documents], assistant)
        wall = time.perf_counter() - start
        stats = server.stats()
    limit = stats["limit"]
    n = sum(len(d.bullets) for d in documents)
    floor = max(0.0, limit["tokens_admitted"] - tpm) / (tpm / 60)
    return {
        "bullets": n,
        "files": files,
        "tokens_per_minute": tpm,
        "wall_s": round(wall, 1),
        "floor_s": round(floor, 1),
        "ratio": round(wall / floor, 3) if floor else None,
        "failed_bullets": sum(r.count(Status.FAILED) for r in results),
        "failures": [o.error for r in results for o in r.outcomes if o.status is Status.FAILED][:5],
        "requests_admitted": limit["admitted"],
        "responses_429": limit["rejected_429"],
        "tokens_admitted": limit["tokens_admitted"],
        "tokens_per_bullet_counted_by_limit": round(limit["tokens_admitted"] / n),
        "reasks": sum(o.analysis.usage.reasks for r in results for o in r.outcomes if o.analysis),
    }


def variants(bullets: list[str], total: int) -> list[str]:
    """`total` distinct bullets from the real ones: each round closes them with another clause."""
    out = []
    for n in range(total):
        b = " ".join(bullets[n % len(bullets)].split()).rstrip(".")
        rounds = n // len(bullets)
        out.append(b if not rounds else f"{b}, in cohort {rounds}")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tokens-per-minute", type=int, default=60_000)
    p.add_argument("--bullets", type=Path, default=REAL_BULLETS)
    p.add_argument("--limit-bullets", type=int, default=None, help="only the first N bullets")
    p.add_argument("--answers", action="store_true", help="answer every question: analyses and rewrites")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--latency", type=float, default=0.3)
    p.add_argument("--json", action="store_true")
    p.add_argument("--reask-rate", type=float, default=0.0)
    p.add_argument("--files", type=int, default=1)
    p.add_argument("--bullets-total", type=int, default=None)
    args = p.parse_args()
    bullets = read_bullets(args.bullets)[: args.limit_bullets]
    if args.bullets_total:
        bullets = variants(bullets, args.bullets_total)
    runs = [
        one_run(
            bullets,
            args.tokens_per_minute,
            answers=args.answers,
            latency=args.latency,
            reask_rate=args.reask_rate,
            files=args.files,
        )
        for _ in range(args.runs)
    ]
    ratios = [r["ratio"] for r in runs if r["ratio"]]
    summary = {
        "runs": runs,
        "ratio_median": statistics.median(ratios) if ratios else None,
        "ratio_max": max(ratios) if ratios else None,
        "failed_bullets_total": sum(r["failed_bullets"] for r in runs),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    for r in runs:
        print(
            f"{r['bullets']} bullets at {r['tokens_per_minute']:,} TPM: {r['wall_s']} s, floor {r['floor_s']} s, "
            f"ratio {r['ratio']}, failed {r['failed_bullets']}, 429s {r['responses_429']}, "
            f"tokens/bullet {r['tokens_per_bullet_counted_by_limit']} (limit's count), re-asks {r['reasks']}"
        )


if __name__ == "__main__":
    main()
