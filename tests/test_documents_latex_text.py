"""What a reader sees in a LaTeX bullet, and where its markup sits in the source.

``latex_to_text`` is the text the person reads and the engines see; ``markup_spans`` says which
bytes of the source are ``\\textbf{…}`` and friends, so a rewrite keeps them on the right words;
``text_to_latex`` writes plain text back. The cases are what resume templates and the people who
fill them in write: names with accents, spacing commands, math for "~3x", a dollar sign left
unescaped, colours with a model, line breaks with a length.
"""

from __future__ import annotations

import pytest

from bulletsmith.documents import latex_text
from bulletsmith.documents.latex_text import latex_to_text, markup_spans, read_group, text_to_latex

# --- accents -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        # letter accents are control words: \c, \v, \H take the next group or token
        (r"Mentored Fran\c{c}ois and Du\v{s}an on Erd\H{o}s graphs", "Mentored François and Dušan on Erdős graphs"),
        (r"Fran\c cois", "François"),  # the argument may follow after a space
        (r"na\'\i{}ve Bayes", "naíve Bayes"),  # accent on a control word: the dotless i
        (r"\'{E}cole Polytechnique", "École Polytechnique"),
        (r"\^{ou}", "ôu"),  # the accent sits on the first letter of its group
        ("\\v{ȷ}", "ǰ"),  # a typed dotless j takes the accent like \i does
        (r"Caf\'e", "Café"),
        # one-letter symbol words, also at the very end
        (r"Interned at \O{}rsted", "Interned at Ørsted"),
        (r"Relocated to Troms\o", "Relocated to Tromsø"),
    ],
)
def test_accented_names_read_as_the_letters_printed(latex, text):
    assert latex_to_text(latex) == text


# --- spacing, line breaks, control symbols -------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        # a horizontal or vertical skip between two words separates them
        (r"Python\hspace{1em}SQL", "Python SQL"),
        (r"Python\hspace*{2mm}SQL", "Python SQL"),
        (r"Python\vspace{-2pt}SQL", "Python SQL"),
        (r"Python\smallskip{}SQL", "Python SQL"),
        (r"Python\medskip{}SQL", "Python SQL"),
        (r"Python\bigskip{}SQL", "Python SQL"),
        # a colour or a label is not text and leaves no space
        (r"Built\textcolor{red}{fast} pipelines", "Builtfast pipelines"),
        (r"Wrote\label{item:etl} ETL", "Wrote ETL"),
        # optional arguments of a dropped command go with it
        (r"\includegraphics[height=1em]{logo.png} Python", "Python"),
        # or its argument is a length command, the template's own or LaTeX's
        (r"Python\hspace\ItemGap SQL", "Python SQL"),
        (r"Python\vspace\baselineskip SQL", "Python SQL"),
        (r"\includegraphics [height=1em] [] {logo.png} Python", "Python"),
        # a tie is a space
        (r"Worked with Dr.~Smith", "Worked with Dr. Smith"),
        (r"Led a team\\[2pt] of 5", "Led a team of 5"),
        (r"Led a team\\*[2pt] of 5", "Led a team of 5"),
        (r"Led a team\\*of 5", "Led a team of 5"),
        # control symbols: hyphenation hint, end of sentence, thin space
        (r"Split a monolith into micro\-services", "Split a monolith into microservices"),
        (r"Hired as a Ph.D.\@ intern", "Hired as a Ph.D. intern"),
        (r"Served 10\,000 users", "Served 10 000 users"),
        # an empty group that opens a bullet is nothing
        (r"{}\LaTeX resume", "LaTeX resume"),
        # a capital X is a letter like any other
        (r"Graduated May 20XX with XGBoost", "Graduated May 20XX with XGBoost"),
    ],
)
def test_layout_commands_read_as_spaces_or_nothing(latex, text):
    assert latex_to_text(latex) == text


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Cut cost by $$\sim$$30\%", "Cut cost by ~30%"),
        (r"$\Delta$ latency of $5\times$ over $10^{6}$ rows", "Δ latency of 5× over 10^6 rows"),
        (r"Mapped $X \to Y$", "Mapped X → Y"),
        (r"$\checkmark$ shipped", "✓ shipped"),
        (r"Served $10\,000$ users", "Served 10 000 users"),
        (r"Saved $\approx\$2$M a year", "Saved ≈$2M a year"),
        (r"Grew $10\%$--$20\%$ a quarter, Q1~to~Q4", "Grew 10%–20% a quarter, Q1 to Q4"),
        (r"$\mathbf{3}\times$ faster", "3× faster"),
    ],
)
def test_math_reads_as_the_symbols_printed(latex, text):
    assert latex_to_text(latex) == text


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        # an unescaped dollar sign opens math that never closes: the words are still read
        (r"Cut cost by $5M", "Cut cost by 5M"),
        ("Cut cost by $5\\", "Cut cost by 5"),
        (r"Cut cost $$5$ a seat$$", "Cut cost 5 a seat"),
        ("Cut $a\\\nb$ cost", "Cut a b cost"),  # backslash-newline in math is a space
        # a command, an accent or a backslash cut off at the end of the bullet
        (r"Fixed the caf\'", "Fixed the caf"),
        ("Fixed C:\\", "Fixed C:"),
        (r"Tools: R \vspace", "Tools: R"),
        (r"Tools: R\\", "Tools: R"),
        (r"Tools: R \hspace{1em", "Tools: R"),
        ("Tools:\\'\\\nR", "Tools: R"),
    ],
)
def test_broken_source_still_reads_without_error(latex, text):
    assert latex_to_text(latex) == text


# --- markup spans --------------------------------------------------------------------------------


def spans(src: str, commands: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Each span as (its source, its text's source, kind): easier to read than offsets."""
    return [(src[a:b], src[c:d], kind) for a, b, c, d, kind in markup_spans(src, commands)]


def test_bold_at_the_start_of_a_bullet():
    src = r"\textbf{Spark} jobs cut latency by 40\%"
    assert markup_spans(src) == [(0, 14, 8, 13, "bold")]


def test_markup_after_a_percent_sign_and_after_a_plain_group():
    assert spans(r"Cut 40\%\textbf{Spark} and {C++} and {\textbf{Go}} with \emph{care}") == [
        (r"\textbf{Spark}", "Spark", "bold"),
        (r"\textbf{Go}", "Go", "bold"),
        (r"\emph{care}", "care", "italic"),
    ]


def test_a_colour_with_a_model_and_a_link_with_spaces_between_groups():
    assert spans(r"Used \textcolor[HTML]{0055A4}{Spark} and \href{https://x.io} {Kafka}") == [
        (r"\textcolor[HTML]{0055A4}{Spark}", "Spark", "format"),
        (r"\href{https://x.io} {Kafka}", "Kafka", "link"),
    ]


def test_a_switch_in_a_group_styles_the_group():
    src = r"Led {\bf Spark} migration"
    assert markup_spans(src) == [(4, 15, 8, 14, "bold")]
    assert spans(src) == [(r"{\bf Spark}", " Spark", "bold")]


def test_a_longer_macro_that_starts_like_a_switch_is_not_the_switch():
    assert spans(r"{\bfName Jane} led \textbf{Spark}") == [(r"\textbf{Spark}", "Spark", "bold")]


def test_the_files_own_macro_with_a_capital_in_its_name():
    assert spans(r"Built \keyTerm{Spark} jobs", {"keyTerm": "bold"}) == [(r"\keyTerm{Spark}", "Spark", "bold")]


def test_a_command_without_its_group_is_no_span_and_the_rest_is_still_read():
    assert spans(r"Used \textbf Spark and \emph{Kafka}") == [(r"\emph{Kafka}", "Kafka", "italic")]
    assert spans(r"Used \emph{Kafka} and \textbf{Spark") == [(r"\emph{Kafka}", "Kafka", "italic")]  # never closes
    assert spans(r"Used \textbf") == []


def test_markup_inside_math_is_not_text_markup():
    assert spans(r"Ran $\textbf{3}\times$ faster with \textbf{Spark}") == [(r"\textbf{Spark}", "Spark", "bold")]
    assert spans(r"Ran $5$ tasks on $\sim$\textbf{40} nodes") == [(r"\textbf{40}", "40", "bold")]
    assert spans(r"Saved $40\%$ with \textbf{Spark}") == [(r"\textbf{Spark}", "Spark", "bold")]
    assert spans(r"Saved $\$$2M with \textbf{Spark}") == [(r"\textbf{Spark}", "Spark", "bold")]
    assert spans(r"Saved $2M with \textbf{Spark}") == []  # the dollar was never closed


def test_escaped_braces_inside_code_do_not_end_the_group():
    assert spans(r"Parsed \texttt{\{} and \texttt{\}} tokens") == [
        (r"\texttt{\{}", r"\{", "code"),
        (r"\texttt{\}}", r"\}", "code"),
    ]


# --- groups --------------------------------------------------------------------------------------


def test_read_group_of_an_unclosed_group_is_the_rest_unless_limited():
    assert read_group("{Spark jobs", 0) == ("Spark jobs", 11)
    assert read_group("x{Spark jobs", 1) == ("Spark jobs", 12)
    assert read_group("{Spark jobs", 0, limit=5) is None
    assert read_group("{Spark}", 0, limit=5) is None  # closes only at the 7th character
    assert read_group("{Spark}", 0, limit=7) == ("Spark", 7)
    assert read_group("{Spark}", 7) is None


# --- writing text back ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        # quote and dash ligatures are kept apart by an empty group
        ("Rewrote the “Engineers'” handbook", r"Rewrote the ``Engineers'{}'' handbook"),
        ("“‘Move fast’ was the motto”", r"``{}`Move fast’ was the motto''"),
        ("pages 10-–20", r"pages 10-{}--20"),
        ("Graduated May 20XX", "Graduated May 20XX"),
    ],
)
def test_text_written_back_reads_the_same(text, latex):
    assert text_to_latex(text) == latex
    assert latex_to_text(latex) == text


def test_escape_range_writes_one_piece_in_the_context_of_the_bullet():
    text = "Cut to ~3 h"
    assert latex_text.escape_range(text, 7, 9) == r"$\sim$3"
