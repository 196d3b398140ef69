"""Notebooks as data scientists use them: many results as one table, DataFrames, a progress bar,
and the example notebook executed in a real Jupyter kernel."""

from __future__ import annotations

import html
import importlib.util
import pickle
import re
import sys
import types

import pytest
from support.paths import IN_CI, REPO, WEAK

import bulletsmith
from bulletsmith import Analyses, Assistant, Rewrites, Slot
from bulletsmith.frames import MissingExtra
from bulletsmith.progress import progress_bar, showing

SAMPLE = REPO / "examples" / "sample-resume.md"
NOTEBOOK = REPO / "examples" / "notebook.ipynb"
HOSTILE = "Cut | costs <script>alert(1)</script> by **$40k** & [more](x)"


def needs(module: str) -> None:
    """The notebook extra's modules: missing fails under CI (it installs the extra), skips elsewhere."""
    if importlib.util.find_spec(module) is None:
        message = f"{module} is not installed (pip install -e '.[notebook]')"
        if IN_CI:
            pytest.fail(message + "; CI must install the notebook extra")
        pytest.skip(message)


@pytest.fixture
def rules():
    return Assistant(engine="rules")


@pytest.fixture
def analyses(rules):
    return rules.analyze_many(bulletsmith.read(SAMPLE).bullets)


# -- the table ---------------------------------------------------------------------------------


def test_analyze_many_renders_as_one_table(rules):
    bullets = [WEAK, "Worked on the AV data pipeline", HOSTILE]
    result = rules.analyze_many(bullets)

    assert isinstance(result, Analyses)
    page = result._repr_html_()
    assert page.count("<table") == 1
    assert page.count("<tr>") == 1 + len(bullets)  # the header and a row per bullet
    # Each slot's evidence is on hover over its ✓; each missing slot's question beside it.
    action = result[0].slots[Slot.ACTION].evidence
    assert f'title="{html.escape(action)}">✓' in page
    assert html.escape(result[0].question_for(Slot.DATA_OUTCOME).text) in page
    # The person's text is text: no tag of theirs reaches the page.
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_the_markdown_table_escapes_what_would_break_it(rules):
    md = rules.analyze_many([WEAK, HOSTILE])._repr_markdown_()
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(rows) == 4  # header, rule, two bullets
    hostile = rows[-1]
    assert r"Cut \| costs \<script\>" in hostile and r"\*\*\$40k\*\*" in hostile
    # An unescaped | would add a column.
    assert len(re.findall(r"(?<!\\)\|", hostile)) == len(re.findall(r"(?<!\\)\|", rows[0]))
    assert str(rules.analyze_many([WEAK])) == rules.analyze_many([WEAK])._repr_markdown_()


def test_failures_show_in_the_table(rules):
    good = rules.analyze(WEAK)
    bad = good.model_copy(
        update={"findings": [bulletsmith.Finding(guard="grounding", message="no such words", severity="error")]}
    )
    page = Analyses([good, bad])._repr_html_()
    assert "✗ grounding: no such words" in page and "1 failed their checks" in page


def test_the_result_is_still_a_list(rules, analyses):
    plain = list(analyses)
    assert analyses == plain and len(analyses) == len(plain) and analyses[0] is plain[0]
    again = pickle.loads(pickle.dumps(analyses))
    assert again == analyses and again.locations == analyses.locations
    # A slice is still a table, with its rows' locations.
    assert isinstance(analyses[2:4], Analyses) and analyses[2:4].locations == analyses.locations[2:4]
    # Plain texts work as before (a generator too), and keep their order.
    assert len(rules.analyze_many(b for b in [WEAK, WEAK])) == 2
    assert [a.bullet for a in rules.analyze_many([WEAK, "Cleaned the feedback data"])] == [
        WEAK,
        "Cleaned the feedback data",
    ]


def test_a_files_bullets_keep_their_locations(analyses):
    doc = bulletsmith.read(SAMPLE)
    assert analyses.locations == [b.location for b in doc.bullets]
    assert "<td" in analyses._repr_html_() and ">line 15<" in analyses._repr_html_()


async def test_aanalyze_many_returns_the_same_table(rules):
    result = await rules.aanalyze_many([WEAK, "Cleaned the feedback data"])
    assert isinstance(result, Analyses) and result == rules.analyze_many([WEAK, "Cleaned the feedback data"])


# -- rewrite_many ------------------------------------------------------------------------------


def test_rewrite_many_takes_answers_by_location_or_index(rules, analyses):
    answers = {
        "line 15": {Slot.DATA_OUTCOME: "label error rate 9% -> 3% over 1.2M images"},
        2: {Slot.DATA_OUTCOME: "nightly run time 6 h -> 40 min", Slot.MODEL_IMPACT: "not mine"},
    }
    rewrites = rules.rewrite_many(analyses, answers)

    assert isinstance(rewrites, Rewrites) and len(rewrites) == len(analyses)
    # The rules writer reads "A -> B" as a change ("cutting … from 9% to 3%"); the facts are the person's.
    assert "label error rate from 9% to 3% over 1.2M images" in rewrites[0].text
    assert "40 min" in rewrites[2].text
    assert not rewrites[4].changed  # no answers: nothing new to say
    assert rewrites == [
        rules.rewrite(an, answers.get(an_loc) or answers.get(i))
        for i, (an, an_loc) in enumerate(zip(analyses, analyses.locations))
    ]
    page = rewrites._repr_html_()
    assert page.count("<table") == 1 and page.count("<tr>") == 1 + len(analyses)


def test_rewrite_many_refuses_answers_that_would_go_unused(rules, analyses):
    with pytest.raises(ValueError, match="no such bullet"):
        rules.rewrite_many(analyses, {"line 999": {Slot.PROBLEM: "x"}})
    with pytest.raises(ValueError, match="one per bullet"):
        rules.rewrite_many(analyses, [None])
    with pytest.raises(ValueError, match="answers are per bullet"):  # one bullet's answers, given for all
        rules.rewrite_many(analyses, {Slot.DATA_OUTCOME: "3% label errors"})


def test_rewrites_pickle_with_their_analyses(rules, analyses):
    rewrites = rules.rewrite_many(analyses[:3], [{Slot.DATA_OUTCOME: "label error rate 9% -> 3%"}, None, None])
    again = pickle.loads(pickle.dumps(rewrites))
    assert again == rewrites and again.analyses == analyses[:3] and again.locations == analyses.locations[:3]


# -- DataFrames --------------------------------------------------------------------------------


def test_to_pandas_gives_one_typed_row_per_bullet(analyses):
    needs("pandas")
    df = analyses.to_pandas()

    assert len(df) == len(analyses)
    for slot in Slot:
        assert str(df[slot.value].dtype) == "bool"
        assert str(df[f"{slot.value}_evidence"].dtype) == "string"
    assert str(df["n_missing"].dtype) == "int64" and str(df["location"].dtype) == "string"
    first = df.iloc[0]
    assert first["location"] == "line 15" and first["bullet"] == analyses[0].bullet
    assert bool(first["action"]) and first["action_evidence"] == analyses[0].slots[Slot.ACTION].evidence
    assert first.isna()["data_outcome_evidence"]  # a missing slot has no evidence: <NA>
    assert first["n_missing"] == len(analyses[0].missing)
    assert first["questions"].count("\n") == len(analyses[0].questions) - 1
    # What a data scientist does with it: filter and sort.
    weakest = df[~df.data_outcome].sort_values("n_missing", ascending=False)
    assert list(weakest["bullet"]) and all(
        not a.slots[Slot.DATA_OUTCOME].present for a in analyses if a.bullet in set(weakest["bullet"])
    )


def test_rewrites_and_bullets_to_pandas(rules, analyses):
    needs("pandas")
    rewrites = rules.rewrite_many(analyses, {0: {Slot.DATA_OUTCOME: "label error rate 9% -> 3%"}})
    df = rewrites.to_pandas()
    assert len(df) == len(analyses)
    assert {"location", "bullet", "data_outcome", "questions", "answers", "rewrite", "warnings"} <= set(df.columns)
    assert str(df["changed"].dtype) == "bool" and bool(df["changed"].iloc[0])
    assert df["answers"].iloc[0] == "data outcome: label error rate 9% -> 3%"

    bullets = bulletsmith.read(SAMPLE).bullets.to_pandas()
    assert list(bullets.columns) == ["location", "bullet"] and len(bullets) == len(analyses)


@pytest.mark.parametrize("what", ["analyses", "rewrites", "bullets"])
def test_without_pandas_to_pandas_says_which_extra_to_install(rules, analyses, monkeypatch, what):
    monkeypatch.setitem(sys.modules, "pandas", None)  # how an uninstalled module looks to `import`
    target = {
        "analyses": analyses,
        "rewrites": rules.rewrite_many(analyses[:2]),
        "bullets": bulletsmith.read(SAMPLE).bullets,
    }[what]
    with pytest.raises(MissingExtra) as info:
        target.to_pandas()
    message = str(info.value)
    assert "\n" not in message and "pip install 'bulletsmith[notebook]'" in message
    assert isinstance(info.value, ImportError)


# -- progress ----------------------------------------------------------------------------------


def test_no_progress_bar_outside_a_notebook_or_prompt(rules, capsys):
    assert showing(None) is None and showing(False) is None  # pytest: no kernel, no prompt
    rules.analyze_many([WEAK] * 5)
    assert capsys.readouterr() == ("", "")


def test_in_a_kernel_the_bar_is_one_display_updated_in_place(monkeypatch, rules):
    shown: list[tuple[str, dict]] = []

    class Handle:
        def update(self, bundle, raw):
            shown.append(("update", bundle))

    def display(bundle, raw, display_id):
        shown.append(("display", bundle))
        return Handle()

    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: types.SimpleNamespace(kernel=object())
    fake_display = types.ModuleType("IPython.display")
    fake_display.display = display
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setitem(sys.modules, "IPython.display", fake_display)

    assert showing(None) == "jupyter"
    rules.analyze_many([WEAK] * 3)
    assert [kind for kind, _ in shown][0] == "display" and all(k == "update" for k, _ in shown[1:])
    last = shown[-1][1]
    assert last["text/plain"].startswith("analyzed 3 bullets in") and '<progress value="3" max="3"' in last["text/html"]

    shown.clear()
    rules.analyze_many([WEAK] * 3, progress=False)
    assert shown == []


def test_a_bar_that_shows_nowhere_still_counts():
    with progress_bar(4, "analyzing", "analyzed", progress=False) as bar:
        for _ in range(4):
            bar.advance()
    assert bar.done == 4 and bar.where is None


# -- the example notebook ----------------------------------------------------------------------


@pytest.mark.notebook
@pytest.mark.slow
def test_the_example_notebook_runs_top_to_bottom(tmp_path):
    for module in ("nbclient", "nbformat", "ipykernel", "pandas"):
        needs(module)
    import nbformat
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    try:
        client.execute()  # raises CellExecutionError, naming the cell, on any error
    except NoSuchKernel as e:
        if IN_CI:
            pytest.fail(f"no Jupyter kernel: {e}")
        pytest.skip(f"no Jupyter kernel: {e}")

    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    pages = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    tables = [p for p in pages if "slots present:" in p]
    assert len(tables) == 1 and tables[0].count("<table") == 1  # analyze_many: one table
    assert tables[0].count("<tr>") == 1 + len(bulletsmith.read(SAMPLE).bullets)
    assert any("analyzed" in p and "<progress" in p for p in pages)  # the bar's last state
    assert any("rewritten" in p and "<table" in p for p in pages)  # rewrite_many's table
    (tmp_path / "executed.ipynb").write_text(nbformat.writes(nb))


def test_one_analysis_and_one_rewrite_escape_markdown_too():
    a = Assistant(engine="rules")
    an = a.analyze("Built a | model with *stars* for image labeling")
    assert "Built a \\| model with \\*stars\\*" in an._repr_markdown_()
    assert "\\*stars\\*" in a.rewrite(an, {})._repr_markdown_()
