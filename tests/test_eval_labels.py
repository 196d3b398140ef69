"""The number guard measured against hand labels (evals/labels/rewrites.yaml), not against itself.

"Fabricated numbers after the guard" is counted with the guard's own function: it can only
show a skipped guard. The labels say, for every recorded rewrite draft, which numbers a person
reading the bullet and the answers found invented; scoring the guard against them shows a
weaker guard as invented numbers it missed.
"""

from __future__ import annotations

import json

import pytest
import yaml
from support.paths import REPO
from typer.testing import CliRunner

from bulletsmith import guards
from bulletsmith.cli import app
from bulletsmith.eval_labels import DraftLabel, _same_number, load_draft_labels, recorded_drafts, score_guard_on_labels
from bulletsmith.evaluation import Case, CaseError, load_cases

CASES = REPO / "evals" / "cases"
LABELS = REPO / "evals" / "labels" / "rewrites.yaml"
RECORDINGS = REPO / "evals" / "recordings"
THRESHOLDS = REPO / "evals" / "thresholds.yaml"
GOLD_NONE = {"problem": False, "action": True, "data_outcome": False, "model_impact": False}


@pytest.fixture(scope="module")
def labels():
    return load_draft_labels(LABELS)


@pytest.fixture(scope="module")
def cases():
    return load_cases(CASES)


def test_every_recorded_draft_is_labelled_and_nothing_else(labels):
    """After a re-recording the labels must be redone: a draft nobody read can't be scored."""
    recorded = [(d.case, d.recording, d.call, d.text) for d in recorded_drafts(RECORDINGS)]
    assert [(lb.case, lb.recording, lb.call, lb.text) for lb in labels] == recorded
    assert len(labels) >= 200


def test_the_labels_find_invented_numbers_to_score(labels):
    invented = [q for lb in labels for q in lb.invented]
    assert len(invented) >= 100
    assert sum(q.endswith("%") for q in invented) >= 40  # enough percentages to show a guard that skips them


def test_the_guard_catches_the_labelled_inventions(labels, cases):
    score = score_guard_on_labels(labels, cases)
    assert score["labelled_drafts"] == len(labels)
    assert score["invented_numbers_labelled"] == sum(len(lb.invented) for lb in labels)
    assert (
        score["invented_numbers_caught_by_guard"] + score["invented_numbers_missed_by_guard"]
        == score["invented_numbers_labelled"]
    )
    limits = yaml.safe_load(THRESHOLDS.read_text())["openai"]["max"]
    assert score["invented_numbers_missed_by_guard"] <= limits["rewrites.invented_numbers_missed_by_guard"], score[
        "missed"
    ]
    assert score["given_numbers_flagged_by_guard"] <= limits["rewrites.given_numbers_flagged_by_guard"]


def test_a_guard_that_ignores_percentages_shows_as_missed_inventions(labels, cases):
    def no_percent(text, sources):
        return [q for q in guards.unsupported_quantities(text, sources) if not q.endswith("%")]

    real = score_guard_on_labels(labels, cases)
    weak = score_guard_on_labels(labels, cases, unsupported=no_percent)
    assert weak["invented_numbers_missed_by_guard"] >= real["invented_numbers_missed_by_guard"] + 40


def test_a_guard_that_flags_nothing_misses_every_labelled_invention(labels, cases):
    score = score_guard_on_labels(labels, cases, unsupported=lambda text, sources: [])
    assert score["invented_numbers_caught_by_guard"] == 0
    assert score["invented_numbers_missed_by_guard"] == score["invented_numbers_labelled"]


def test_a_guard_that_flags_everything_shows_as_given_numbers_flagged(labels, cases):
    from bulletsmith.quantities import extract_quantities

    score = score_guard_on_labels(
        labels, cases, unsupported=lambda text, sources: [q.raw for q in extract_quantities(text)]
    )
    assert score["invented_numbers_missed_by_guard"] <= 2
    assert score["given_numbers_flagged_by_guard"] >= 100


def test_a_kept_bullet_invents_nothing(cases):
    case = next(c for c in cases if any(ch.isdigit() for ch in c.bullet))
    label = DraftLabel(case=case.id, recording="k", call="rewrite", text=case.bullet, invented=[])
    score = score_guard_on_labels([label], cases, unsupported=lambda text, sources: ["1"])
    assert score["given_numbers_flagged_by_guard"] == 0


@pytest.mark.parametrize(
    "content, words",
    [
        (
            "- case: own-001\n  recording: k\n  call: rewrite\n  text: Cut churn 40%\n  invented: ['45%']\n",
            r"invented '45%' is not in its text",
        ),
        ("- case: own-001\n  call: rewrite\n  text: x\n", r"item 0: Field required"),
        ("{case: own-001}\n", "expected a list of labelled drafts"),
        ("- [\n", r"not valid YAML \(while parsing a flow node\)"),
        (None, r"can't read the labels \(IsADirectoryError\)"),
    ],
)
def test_a_broken_labels_file_is_one_line(tmp_path, content, words):
    path = tmp_path / "labels.yaml"
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    with pytest.raises(CaseError, match=words):
        load_draft_labels(path)


@pytest.mark.parametrize(
    "label, flagged, same",
    [
        ("45%", "45%", True),
        ("$1.2M", "1.2M", True),  # the guard names the number, the label the money
        ("1,200", "1200", True),  # thousands separators don't matter
        ("45%", "by 45% in", True),  # one inside the other's words
        ("4", "45%", False),  # a digit of another number is not that number
        ("1.2", "1.25M", False),
        ("2 weeks", "12 weeks", False),
    ],
)
def test_a_labelled_number_and_a_flagged_one_match_as_words_of_the_draft(label, flagged, same):
    assert _same_number(label, flagged) is same


def test_a_few_labelled_drafts_scored_in_full():
    """Caught, missed (named) and given-but-flagged, counted exactly, over a guard that skips percentages."""
    cases = [
        Case(id="own-1", bullet="Built a churn model", gold=GOLD_NONE),
        Case(id="own-2", bullet="Cut costs by $1.2M", gold=GOLD_NONE),
    ]
    labels = [
        DraftLabel(case="elsewhere", recording="k0", call="rewrite", text="Cut churn 45%", invented=["45%"]),
        DraftLabel(
            case="own-1", recording="k1", call="rewrite", text="Cut churn 45% in 2 weeks", invented=["45%", "2 weeks"]
        ),
        DraftLabel(
            case="own-2", recording="k2", call="rewrite", text="Cut costs by $1.2M for 300 clients", invented=[]
        ),
    ]

    def no_percent(text, sources):
        return [q for q in guards.unsupported_quantities(text, sources) if not q.endswith("%")]

    assert score_guard_on_labels(labels, cases, unsupported=no_percent) == {
        "labelled_drafts": 2,
        "invented_numbers_labelled": 2,
        "invented_numbers_caught_by_guard": 1,  # 2 weeks
        "invented_numbers_missed_by_guard": 1,
        "given_numbers_flagged_by_guard": 1,  # 300 clients: the guard's call, not the label's
        "missed": ["own-1: '45%' in 'Cut churn 45% in 2 weeks'"],
    }


def test_a_label_of_a_case_not_in_the_run_is_not_scored(cases):
    label = DraftLabel(case="no-such-case", recording="k", call="rewrite", text="Cut churn 45%", invented=["45%"])
    score = score_guard_on_labels([label], cases)
    assert score["labelled_drafts"] == 0 and score["invented_numbers_labelled"] == 0


def run(*args: str):
    return CliRunner().invoke(
        app,
        [
            "eval",
            "--engine",
            "openai",
            "--cases",
            str(CASES),
            "--recordings",
            str(RECORDINGS),
            "--thresholds",
            str(THRESHOLDS),
            "--no-save",
            *args,
        ],
    )


def test_eval_scores_the_guard_against_the_labels_and_names_what_it_missed(labels):
    result = run("--json", "--labels", str(LABELS))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["rewrites"]["invented_numbers_labelled"] == sum(len(lb.invented) for lb in labels)
    assert data["rewrites"]["invented_numbers_caught_by_guard"] >= 100
    assert len(data.get("missed_by_guard", [])) == data["rewrites"]["invented_numbers_missed_by_guard"]


def test_eval_without_the_labels_file_fails_in_one_line(tmp_path):
    result = run("--labels", str(tmp_path / "none.yaml"))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "none.yaml: no labels of the recorded rewrites" in lines[0]


# --------------------------------------------------------------------------- the drafts read from a recordings folder


def _tool_call(name: str, arguments) -> dict:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": "t", "type": "function", "function": {"name": name, "arguments": text}}


def _recording(folder, key: str, *tool_calls: dict, response="default") -> None:
    if response == "default":
        message = {"role": "assistant", "content": None, "tool_calls": list(tool_calls)}
        body = {"choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}]}
        response = {"status": 200, "content_type": "application/json", "body": body}
    (folder / f"{key}.json").write_text(json.dumps({"key": key, "response": response}), encoding="utf-8")


def test_recorded_drafts_are_read_once_each_in_case_order(tmp_path):
    """Two cases with the same bullet share a recording: its draft is labelled once, under the first.
    A tool call cut off mid-JSON or that is not an object is skipped, not the calls after it."""
    _recording(
        tmp_path,
        "bs1-analyze",
        _tool_call("AnalyzeCall", '{"problem": {"present": false, "question": "What was'),  # cut off
        _tool_call("AnalyzeCall", ["Built a churn model"]),  # not an object
        _tool_call("AnalyzeCall", {"rewrite": "Cut churn 40% with a new churn model"}),
    )
    _recording(
        tmp_path, "bs1-rewrite", _tool_call("RewriteCall", {"text": "Built a churn model that cut churn by 40%"})
    )
    _recording(tmp_path, "bs1-lost", response=None)  # a recording whose response was not kept
    # A 200 whose body was not JSON (a proxy's HTML page): the recorder keeps it as a string.
    _recording(tmp_path, "bs1-html", response={"status": 200, "content_type": "text/html", "body": "<html>502</html>"})
    index = {
        "cases": {
            "realdata-007": {"keys": ["bs1-rewrite", "bs1-lost", "bs1-html"]},
            "own-001": {"keys": ["bs1-analyze", "bs1-rewrite"]},
            "own-002": {"prompts": {}},  # indexed, nothing recorded yet
        }
    }
    (tmp_path / "index.json").write_text(json.dumps(index), encoding="utf-8")
    assert [(d.case, d.recording, d.call, d.text) for d in recorded_drafts(tmp_path)] == [
        ("own-001", "bs1-analyze", "analyze", "Cut churn 40% with a new churn model"),
        ("own-001", "bs1-rewrite", "rewrite", "Built a churn model that cut churn by 40%"),
    ]
