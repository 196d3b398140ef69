"""The bugs that once survived the whole suite (issue 23), put back one at a time: each must fail it.

For each bug: edit the source file, run the tests that guard it, restore the file (also on
Ctrl-C), and say which tests failed. Exits 1 if a bug passed every test. Run from the
repository root with the dev venv:  .venv/bin/python scripts/surviving_bugs.py [NAME-PREFIX…]
(a1/a1b/a2 also run `bulletsmith eval`, which must exit non-zero).
"""

import subprocess
import sys
from pathlib import Path

BUGS = {
    "a1 guard ignores percentages": (
        "src/bulletsmith/guards.py",
        "    for q in extract_quantities(text):\n        if not any(same_quantity(q, k) for k in known) and q.raw not in out:",
        "    for q in extract_quantities(text):\n        if q.raw.endswith('%'):\n            continue\n        if not any(same_quantity(q, k) for k in known) and q.raw not in out:",
    ),
    "a1b a percentage supported by the same plain number": (
        "src/bulletsmith/quantities.py",
        "    ka, kb = _COMPATIBLE_KINDS.get(a.kind, a.kind), _COMPATIBLE_KINDS.get(b.kind, b.kind)\n",
        "    if 'percent' in (a.kind, b.kind):\n        return _close(abs(a.value), abs(b.value))\n    ka, kb = _COMPATIBLE_KINDS.get(a.kind, a.kind), _COMPATIBLE_KINDS.get(b.kind, b.kind)\n",
    ),
    "a2 after-guard metric forced to 0": (
        "src/bulletsmith/evaluation.py",
        '"fabricated_numbers_after_guard": sum(len(r.unsupported) for r in results),',
        '"fabricated_numbers_after_guard": 0,',
    ),
    "b every expectation met": (
        "src/bulletsmith/evaluation.py",
        "def _expect_failures(expect: Expect, text: str) -> list[str]:\n",
        "def _expect_failures(expect: Expect, text: str) -> list[str]:\n    return []\n",
    ),
    "c1 minimums ignored": (
        "src/bulletsmith/evaluation.py",
        'if bound == "min" and value < limit:',
        'if False and bound == "min" and value < limit:',
    ),
    "c2 missing thresholds file passes": (
        "src/bulletsmith/evaluation.py",
        "    spec = load_thresholds(path)\n",
        "    if not path.exists():\n        return []\n    spec = load_thresholds(path)\n",
    ),
    "d json writer drops one of two changed highlights": (
        "src/bulletsmith/documents/jsonresume.py",
        "class JsonResumeDocument(SpanDocument):\n",
        "class JsonResumeDocument(SpanDocument):\n    def _write(self, changes):\n        locs = sorted(changes)\n        if len(locs) >= 2:\n            changes = {k: v for k, v in changes.items() if k != locs[1]}\n        return super()._write(changes)\n\n",
    ),
    "e prompt hash not in the cache key": (
        "src/bulletsmith/engines/openai/engine.py",
        "key = request_key(body, endpoint=self.settings.endpoint, prompt=prompt.sha256, max_reasks=self.max_reasks)",
        "key = request_key(body, endpoint=self.settings.endpoint, max_reasks=self.max_reasks)",
    ),
}
TESTS = [
    "tests/test_eval_labels.py",
    "tests/test_eval_scoring.py",
    "tests/test_request_key.py",
    "tests/test_documents_many_edits.py",
    "tests/test_evaluation.py",
    "tests/test_documents.py",
    "tests/test_guards.py",
]
only = sys.argv[1:]
survived = []
for name, (path, old, new) in BUGS.items():
    if only and not any(name.startswith(o) for o in only):
        continue
    p = Path(path)
    src = p.read_text()
    assert src.count(old) == 1, (name, "anchor not found once")
    p.write_text(src.replace(old, new))
    try:
        r = subprocess.run(
            [".venv/bin/python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow and not llm", *TESTS],
            capture_output=True,
            text=True,
        )
        failed = [
            line.split(" - ")[0].replace("FAILED ", "")
            for line in r.stdout.splitlines()
            if line.startswith(("FAILED ", "ERROR tests"))
        ]
        summary = r.stdout.strip().splitlines()[-1]
        print(f"{name}: exit {r.returncode}; {summary}")
        if r.returncode == 0:
            survived.append(name)
        for f in failed[:20]:
            print("    ", f)
        if name.startswith("a"):
            r = subprocess.run([".venv/bin/bulletsmith", "eval", "--no-save"], capture_output=True, text=True)
            print(
                f"    bulletsmith eval: exit {r.returncode}; "
                + " | ".join(
                    [line for line in r.stdout.splitlines() if line.startswith(("THRESHOLD", "MISSED", "STALE"))][:3]
                )
            )
    finally:
        p.write_text(src)
if survived:
    print("survived:", ", ".join(survived))
sys.exit(1 if survived else 0)
