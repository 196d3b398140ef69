"""A rewritten bullet keeps the inline markup of the words it kept: links, bold, italic, code.

The model sees plain text; when the new text goes back into the file, each markup span of the
original whose words the new text still has (once, as whole words) is written around them again,
with the same URL and the same delimiter. What can't be carried is listed by
``Document.dropped_markup`` so the CLI can say so. The DOCX cases are in test_documents_generated.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.paths import shared_path

from bulletsmith.documents import Markup, load_document
from bulletsmith.documents.base import Wrapping


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rewrite_one(path: Path, new: str) -> tuple[str, dict[str, list[Markup]]]:
    """Replace the file's only bullet with ``new``: the new file, and the markup dropped. The new
    file must read back as ``new``."""
    doc = load_document(path)
    [bullet] = doc.bullets
    replacements = {bullet.location: new}
    out = doc.render(replacements)
    path.with_suffix(".out" + path.suffix).write_bytes(out)
    assert [b.text for b in load_document(path.with_suffix(".out" + path.suffix)).bullets] == [new]
    return out.decode(), doc.dropped_markup(replacements)


# --- Markdown --------------------------------------------------------------------------------------

MARKDOWN_CASES = [
    # (the original item, the new text, the new item)
    ("- **labelcheck** (open source): a library that flags likely label errors",
     "labelcheck (open source): flags label errors in 3 public datasets",
     "- **labelcheck** (open source): flags label errors in 3 public datasets"),
    ("- Cleaned the **feedback** data with [cleanlab](https://github.com/cleanlab/cleanlab)",
     "Cleaned the feedback data with cleanlab; cut label noise 30%",
     "- Cleaned the **feedback** data with [cleanlab](https://github.com/cleanlab/cleanlab); cut label noise 30%"),
    ("- Retrained the *intent* model and the _ranking_ model weekly",
     "Retrained the intent and ranking models daily, lifting recall 4 points",
     "- Retrained the *intent* and _ranking_ models daily, lifting recall 4 points"),
    ("- Deduplicated prompts with `datasketch` MinHash before training",
     "Deduplicated 2.4M prompts with datasketch MinHash before training",
     "- Deduplicated 2.4M prompts with `datasketch` MinHash before training"),
    ("- Published the labeled dataset at <https://example.org/av40k> for the lab",
     "Published 40k labeled frames at https://example.org/av40k",
     "- Published 40k labeled frames at <https://example.org/av40k>"),
    ("- Wrote the [labeling guide](https://x.io/guide \"Guide\") and __trained__ 12 annotators",
     "Wrote a labeling guide and trained 12 annotators, raising agreement to 0.84",
     "- Wrote a [labeling guide](https://x.io/guide \"Guide\") and __trained__ 12 annotators, raising agreement to 0.84"),
    ("- Cut ~~manual~~ review time with ***consensus checks***",
     "Cut manual review time 60% with consensus checks",
     "- Cut ~~manual~~ review time 60% with ***consensus checks***"),
    # Markup inside markup: a badge (an image with a title inside a link), code inside a link, an
    # HTML tag inside bold.
    ("- Published [![PyPI](https://img.shields.io/pypi/v/lc \"PyPI version\")](https://pypi.org/p/lc) labelcheck",
     "Published PyPI labelcheck, downloaded 20k times a month",
     "- Published [![PyPI](https://img.shields.io/pypi/v/lc \"PyPI version\")](https://pypi.org/p/lc) labelcheck,"
     " downloaded 20k times a month"),
    ("- Built the [`labelcheck`](https://x.io/lc) CLI to flag label errors",
     "Built the labelcheck CLI, which flagged 3% of 40k labels as wrong",
     "- Built the [`labelcheck`](https://x.io/lc) CLI, which flagged 3% of 40k labels as wrong"),
    ("- Cut **CO<sub>2</sub> emissions** of training by moving jobs to a low-carbon region",
     "Cut CO2 emissions of training 30% by moving jobs to a low-carbon region",
     "- Cut **CO<sub>2</sub> emissions** of training 30% by moving jobs to a low-carbon region"),
]  # fmt: skip


@pytest.mark.parametrize(("item", "new", "expected"), MARKDOWN_CASES, ids=[c[0][2:30] for c in MARKDOWN_CASES])
def test_markdown_markup_stays_on_the_words_the_rewrite_kept(tmp_path, item, new, expected):
    out, dropped = rewrite_one(write(tmp_path, "resume.md", f"## Projects\n\n{item}\n"), new)
    assert out == f"## Projects\n\n{expected}\n"
    assert dropped == {}


def test_markdown_markup_whose_words_went_is_reported_not_kept(tmp_path):
    path = write(
        tmp_path,
        "resume.md",
        "## Projects\n\n- Cleaned the **feedback** data with [cleanlab](https://github.com/cleanlab/cleanlab)\n",
    )
    out, dropped = rewrite_one(path, "Cleaned the feedback data with a label-error library, cutting noise 30%")
    assert out.endswith("- Cleaned the **feedback** data with a label-error library, cutting noise 30%\n")
    assert dropped == {"line 3": [Markup("cleanlab", "link", "[cleanlab](https://github.com/cleanlab/cleanlab)")]}


def test_markdown_code_and_images_whose_words_went_are_reported_with_their_kind(tmp_path):
    path = write(
        tmp_path,
        "resume.md",
        "## Projects\n\n- Shipped ![logo](img/lc.png) labelcheck, a `pip` package that flags label errors\n",
    )
    out, dropped = rewrite_one(path, "Shipped labelcheck, a package that flags label errors in 3 datasets")
    assert out.endswith("- Shipped labelcheck, a package that flags label errors in 3 datasets\n")
    assert dropped == {"line 3": [Markup("logo", "image", "![logo](img/lc.png)"), Markup("pip", "code", "`pip`")]}


def test_markdown_markup_across_a_line_break_is_carried_on_the_words_it_held(tmp_path):
    """A wrapped item's bold can hold a soft line break, or a hard one (a trailing backslash): its
    words are the same with a space there, so the rewrite keeps it."""
    path = write(
        tmp_path,
        "resume.md",
        "## Projects\n\n- Sped up **the label\n  pipeline** and the **review\\\n  queue** 4x\n",
    )
    out, dropped = rewrite_one(path, "Sped up the label pipeline and the review queue 6x")
    assert out == "## Projects\n\n- Sped up **the label\n  pipeline** and the **review\n  queue** 6x\n"
    assert dropped == {}


def test_markdown_link_that_would_read_back_as_an_image_is_left_out(tmp_path):
    """``!`` glued to the link's words would make ``![pip](…)``, an image: the link is reported,
    and the line is written as the person's text, unescaped where it needs no escape."""
    path = write(tmp_path, "resume.md", "## Projects\n\n- Packaged labelcheck for [pip](https://pypi.org/p/lc)\n")
    out, dropped = rewrite_one(path, "Packaged labelcheck so notebooks install it with !pip, used by 4 teams")
    assert out.endswith("- Packaged labelcheck so notebooks install it with !pip, used by 4 teams\n")
    assert dropped == {"line 3": [Markup("pip", "link", "[pip](https://pypi.org/p/lc)")]}


def test_markdown_markup_is_not_guessed_when_its_words_occur_twice_or_inside_a_word(tmp_path):
    path = write(tmp_path, "resume.md", "## Projects\n\n- Cleaned the **feedback** data for the *model* team\n")
    out, dropped = rewrite_one(path, "Cleaned feedback data and feedback labels for the models team")
    assert out.endswith("- Cleaned feedback data and feedback labels for the models team\n")
    assert dropped == {"line 3": [Markup("feedback", "bold", "**feedback**"), Markup("model", "italic", "*model*")]}


def test_markdown_markup_on_a_word_whose_case_changed_is_not_carried(tmp_path):
    path = write(tmp_path, "resume.md", "## Projects\n\n- Wrote the guide and __trained__ 12 annotators\n")
    out, dropped = rewrite_one(path, "Trained 12 annotators with a new guide")
    assert out.endswith("- Trained 12 annotators with a new guide\n")
    assert dropped == {"line 3": [Markup("trained", "bold", "__trained__")]}


def test_markdown_nested_markup_falls_back_to_the_inner_span(tmp_path):
    """The bold ran over words the rewrite changed; the link inside it is still carried."""
    path = write(
        tmp_path, "resume.md", "## Projects\n\n- **Built [labelcheck](https://x.io/lc)**, a library for label errors\n"
    )
    out, dropped = rewrite_one(path, "Wrote labelcheck, a library that flags label errors in 3 datasets")
    assert out.endswith("- Wrote [labelcheck](https://x.io/lc), a library that flags label errors in 3 datasets\n")
    assert dropped == {"line 3": [Markup("Built labelcheck", "bold", "**Built [labelcheck](https://x.io/lc)**")]}


def test_markdown_new_text_outside_the_carried_markup_is_still_escaped(tmp_path):
    path = write(tmp_path, "resume.md", "## Projects\n\n- Cleaned the data with [cleanlab](https://x.io/cl)\n")
    new = "Cleaned the *raw* data [v2] with cleanlab_x and cleanlab <fast>"
    out, dropped = rewrite_one(path, new)  # reads back as written: the escapes are right
    assert out.endswith(
        r"- Cleaned the \*raw\* data \[v2\] with cleanlab\_x and [cleanlab](https://x.io/cl) \<fast>" + "\n"
    )
    assert dropped == {}


def test_markdown_wrapped_bullet_is_rewrapped_with_its_markup(tmp_path):
    path = write(
        tmp_path,
        "resume.md",
        (
            "## Experience\n\n"
            "- Cleaned the **feedback** data with [cleanlab](https://github.com/cleanlab/cleanlab)\n"
            "  and retrained the *intent* model\n"
        ),
    )
    new = "Cleaned the feedback data with cleanlab, cutting label noise 30%, and retrained the intent model in 2 weeks"
    out, dropped = rewrite_one(path, new)
    assert out == (  # "with" stays beside the link: a line opening with "[" could read as markup
        "## Experience\n\n"
        "- Cleaned the **feedback** data\n"
        "  with [cleanlab](https://github.com/cleanlab/cleanlab), cutting label noise 30%, and\n"
        "  retrained the *intent* model in 2 weeks\n"
    )
    assert dropped == {}


def test_markdown_wrapping_that_would_break_the_markup_gives_way_to_one_line(tmp_path, monkeypatch):
    """Belt and braces: whatever the wrapper does, the file must read back with the markup; if not, one line."""
    path = write(
        tmp_path, "resume.md", "## Experience\n\n- Cleaned the data with\n  [cleanlab](https://x.io/cl) weekly\n"
    )
    real_fill = Wrapping.fill
    monkeypatch.setattr(
        Wrapping, "fill", lambda self, text: real_fill(self, text).replace("[cleanlab]", "[clean\n\nlab]")
    )
    out, _ = rewrite_one(path, "Cleaned 3M rows with cleanlab weekly")
    assert out.endswith("- Cleaned 3M rows with [cleanlab](https://x.io/cl) weekly\n")


def test_markdown_glyph_bullet_keeps_its_markup(tmp_path):
    path = write(tmp_path, "resume.md", "## Projects\n\n• Built **labelcheck** for label errors\n")
    out, _ = rewrite_one(path, "Built labelcheck, which flags label errors in 3 datasets")
    assert out.endswith("• Built **labelcheck**, which flags label errors in 3 datasets\n")


def test_markdown_unchanged_bullet_keeps_its_bytes_and_drops_nothing(tmp_path):
    text = "## Projects\n\n- Cleaned the  **feedback**   data with [cleanlab]( https://x.io/cl )\n"
    doc = load_document(write(tmp_path, "resume.md", text))
    same = {b.location: b.text for b in doc.bullets}
    assert doc.render(same) == text.encode()
    assert doc.dropped_markup(same) == {}


# --- LaTeX -----------------------------------------------------------------------------------------

LATEX_CASES = [
    (r"\item Built a \textbf{labelcheck} library for label errors",
     "Built labelcheck, a library that flags label errors in 3 datasets & more",
     r"\item Built \textbf{labelcheck}, a library that flags label errors in 3 datasets \& more"),
    (r"\item Retrained the \emph{intent} and \textit{ranking} models weekly",
     "Retrained the intent and ranking models daily, lifting recall 4%",
     r"\item Retrained the \emph{intent} and \textit{ranking} models daily, lifting recall 4\%"),
    (r"\item Published \underline{40k frames} at \url{https://example.org/av_40k}",
     "Published 40k frames at https://example.org/av_40k, cited 12 times",
     r"\item Published \underline{40k frames} at \url{https://example.org/av_40k}, cited 12 times"),
    (r"\item Wrote the {\bf labeling guide} for \texttt{labelcheck}",
     "Trained 12 annotators with the labeling guide and labelcheck",
     r"\item Trained 12 annotators with the {\bf labeling guide} and \texttt{labelcheck}"),
    (r"\item Cut review time with \textbf{\href{https://x.io/cc}{consensus checks}}",
     "Cut review time ~60% with consensus checks",
     r"\item Cut review time $\sim$60\% with \textbf{\href{https://x.io/cc}{consensus checks}}"),
]  # fmt: skip


@pytest.mark.parametrize(("item", "new", "expected"), LATEX_CASES, ids=[c[0][6:30] for c in LATEX_CASES])
def test_latex_markup_stays_on_the_words_the_rewrite_kept(tmp_path, item, new, expected):
    head = "\\begin{document}\n\\section{Projects}\n\\begin{itemize}\n"
    out, dropped = rewrite_one(
        write(tmp_path, "resume.tex", f"{head}  {item}\n\\end{{itemize}}\n\\end{{document}}\n"), new
    )
    assert out == f"{head}  {expected}\n\\end{{itemize}}\n\\end{{document}}\n"
    assert dropped == {}


def test_latex_href_in_a_real_resume_keeps_its_url():
    """The opensorceror resume's \\href around "Microsoft Dynamics CRM" survives a rewrite that keeps those words."""
    path = shared_path("realdata", "resumes", "opensorceror_harsh-gadgil_ml-data-engineer.tex")
    doc = load_document(path)
    assert doc.bullets[9].text.startswith("Lead development of a Keyword Driven & Behavior Driven test framework")
    new = (
        "Led a Keyword Driven & Behavior Driven test framework for Microsoft Dynamics CRM, "
        "cutting regression runs to ~3 hours. Earned a monetary award & client appreciation."
    )
    out = doc.render({"line 129": new}).decode()
    assert (
        r"\item Led a Keyword Driven \& Behavior Driven test framework for "
        r"\href{https://www.microsoft.com/en-ca/dynamics/crm.aspx}{Microsoft Dynamics CRM}, "
        r"cutting regression runs to $\sim$3 hours. Earned a monetary award \& client appreciation."
    ) in out
    assert doc.dropped_markup({"line 129": new}) == {}


def test_latex_markup_whose_words_went_is_reported(tmp_path):
    path = write(
        tmp_path,
        "resume.tex",
        (
            "\\section{Experience}\n\\begin{itemize}\n"
            "  \\item Built a test framework for \\href{https://x.io/crm}{Microsoft Dynamics CRM} in \\textbf{Java}\n"
            "\\end{itemize}\n"
        ),
    )
    out, dropped = rewrite_one(path, "Built a CRM test framework in Java, cutting release QA from 3 days to 4 hours")
    assert r"\item Built a CRM test framework in \textbf{Java}, cutting release QA" in out
    assert dropped == {
        "line 3": [Markup("Microsoft Dynamics CRM", "link", r"\href{https://x.io/crm}{Microsoft Dynamics CRM}")]
    }


def test_latex_markup_of_the_files_own_one_argument_macro_is_carried(tmp_path):
    path = write(
        tmp_path,
        "resume.tex",
        (
            "\\newcommand{\\tool}[1]{\\texttt{#1}}\n\\begin{document}\n\\section{Experience}\n\\begin{itemize}\n"
            "  \\item Deduplicated prompts with \\tool{datasketch}\n"
            "\\end{itemize}\n\\end{document}\n"
        ),
    )
    out, _ = rewrite_one(path, "Deduplicated 2.4M prompts with datasketch before training")
    assert r"\item Deduplicated 2.4M prompts with \tool{datasketch} before training" in out


def test_latex_wrapped_item_is_rewrapped_with_its_markup(tmp_path):
    path = write(
        tmp_path,
        "resume.tex",
        (
            "\\section{Experience}\n\\begin{itemize}\n"
            "  \\item Led a test framework for \\href{https://x.io/crm}{Microsoft\n"
            "    Dynamics CRM} with \\textbf{Selenium} % the comment stays\n"
            "\\end{itemize}\n"
        ),
    )
    new = "Led a test framework for Microsoft Dynamics CRM with Selenium, cutting release QA from 3 days to 4 hours"
    out, dropped = rewrite_one(path, new)
    assert out == (
        "\\section{Experience}\n\\begin{itemize}\n"
        "  \\item Led a test framework for \\href{https://x.io/crm}{Microsoft\n"
        "    Dynamics CRM} with \\textbf{Selenium}, cutting release QA from\n"
        "    3 days to 4 hours % the comment stays\n"
        "\\end{itemize}\n"
    )
    assert dropped == {}


# --- formats without inline markup ------------------------------------------------------------------


def test_plain_text_and_json_resume_drop_nothing(tmp_path):
    text = write(tmp_path, "resume.txt", "EXPERIENCE\n- Built a model for **image** labeling\n")
    assert rewrite_one(text, "Built an image labeling model with 94% accuracy")[1] == {}
    resume = write(tmp_path, "resume.json", '{"work": [{"highlights": ["Built a model for image labeling"]}]}')
    assert rewrite_one(resume, "Built an image labeling model with 94% accuracy")[1] == {}
