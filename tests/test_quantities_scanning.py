"""How the scanners read the numbers in a bullet: names glued to digits, versions, signs and
currencies on the left, years and decades, times of day, and number words.

The provenance guard refuses a rewrite whose numbers the person never gave, so every case
here is a number that must be read exactly as written (or a name that must not be read as
a number at all).
"""

from __future__ import annotations

import math

import pytest
from support.quantities import found, one

from bulletsmith.quantities import extract_quantities, same_quantity

# --------------------------------------------------------------------------- digits

DIGITS = [
    # a "V" is a version only with a dot; "V100" is a GPU's name
    ("capital V with a dot is a version", "Shipped V2.1 of the mobile app", [("V2.1", "version", 2.1)]),
    ("capital V without a dot is a name", "trained on 8 V100 GPUs", [("8", "number", 8)]),
    ("v inside a word is a name", "deployed to dev2 and prod", []),
    ("v after an underscore is a name", "promoted model_v2 to prod", []),
    ("digits after an underscore are a name", "x86_64 builds for the agent", []),
    ("the tail of a dotted host name", "migrated db.prod.2 to Aurora, cutting cost 30%", [("30%", "percent", 30)]),
    # C++, hyphen and slash versions, and what follows them is still read
    ("C++ at the start of a bullet", "C++17 port of the parser", [("C++17", "version", 17)]),
    (
        "numbers after a C++ version",
        "rewrote it in C++17 and cut 3 services",
        [("C++17", "version", 17), ("3", "number", 3)],
    ),
    ("numbers after a hyphen version", "GPT-4 cut cost 30%", [("GPT-4", "version", 4), ("30%", "percent", 30)]),
    (
        "slash version",
        "moved to HTTP/2, cutting p95 by 40%",
        [("HTTP/2", "version", 2), ("40%", "percent", 40)],
    ),
    (
        "numbers after a dotted version",
        "pinned 3.11.2 and cut build time 40%",
        [("3.11.2", "version", 3.11), ("40%", "percent", 40)],
    ),
    # a hyphen after a name with a digit in it is not a version name: the size is a count
    ("model size after a digit-ended name", "fine-tuned Llama2-7B on support tickets", [("7B", "number", 7e9)]),
    # ratios are whole numbers over whole numbers
    ("a rating is two numbers", "rated 4.5/5 by customers", [("4.5", "number", 4.5), ("5", "number", 5)]),
    ("a ratio over zero", "went 12/0 in client pitches", [("12/0", "ratio", math.inf)]),
    # decades, and seconds that only look like one
    ("the 1900s", "collections from the 1900s", [("1900s", "year", 1900)]),
    ("a timeout in seconds", "timeout raised to 2100s", [("2100s", "duration", 2100)]),
    ("decade before a comma", "since the 1990s, then 3 more", [("1990s", "year", 1990), ("3", "number", 3)]),
    # times of day
    ("one pm", "moved standup to 1pm daily", [("1pm", "time", 13)]),
    ("a 24-hour clock is not read as am or pm", "deploys at 13:00 PM", [("13", "number", 13), ("00", "number", 0)]),
    # currency written on both sides, signs in front of a currency
    ("dollar sign and USD", "managed a $2M USD budget", [("$2M USD", "money", 2e6)]),
    ("negative money mid-sentence", "net impact: -$1.2M after churn", [("-$1.2M", "money", -1.2e6)]),
    ("negative money opening a bullet", "-$1.2M in spend", [("-$1.2M", "money", -1.2e6)]),
    ("money in parentheses", "cloud cost ($500K) saved", [("$500K", "money", 5e5)]),
    ("a dash glued to a word is not a sign", "Q3-$5 promo", [("$5", "money", 5)]),
    ("money that looks like a year", "raised $2,000 for charity", [("$2,000", "money", 2000)]),
    # years: 1990-2039 written bare
    ("first year read as a year", "founded in 1990", [("1990", "year", 1990)]),
    ("last year read as a year", "roadmap through 2039", [("2039", "year", 2039)]),
    ("count below the years", "closed 1989 tickets", [("1989", "number", 1989)]),
    ("count above the years", "closed 2040 tickets", [("2040", "number", 2040)]),
    # a product name before a number that is not bare leaves it alone
    ("multiplier after a product name", "Tuned Spark 3x faster", [("3x", "multiplier", 3)]),
    ("scaled count after a product name", "Kafka 2M events a day", [("2M", "number", 2e6)]),
    # letters at the start of a bullet do not change how "5G" or "2FA" read
    ("T-Mobile 5G", "T-Mobile 5G rollout across 3 regions", [("3", "number", 3)]),
    ("hw abbreviation and 5G", "h/w bring-up for the 5G modem", []),
    ("KB and 2FA", "KB articles for the 2FA rollout", []),
    ("Day-one and 5G", "Day-one support for 5G handsets", []),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in DIGITS], ids=[c[0] for c in DIGITS])
def test_digits(text, expected):
    assert found(text) == [(r, k, round(float(v), 9)) for r, k, v in expected]


@pytest.mark.parametrize(
    "text, unit",
    [
        ("C++17 port of the parser", "c++"),
        ("moved to HTTP/2", "http"),
        ("ported to Python 3.11", "python"),
    ],
    ids=["cpp", "http", "python"],
)
def test_a_version_names_its_product(text, unit):
    q = one(text)
    assert (q.kind, q.unit) == ("version", unit)


def test_positions_point_at_the_raw_text_after_a_stray_plus_plus():
    # "++" opening an answer (a pasted bullet marker) must not push a start before the text.
    text = "++17 karma"
    for q in extract_quantities(text):
        assert 0 <= q.start < q.end <= len(text)
        assert text[q.start : q.end] == q.raw


# --------------------------------------------------------------------------- words

WORDS = [
    (
        "and after a tens word ends the number",
        "between twenty and one hundred annotators per batch",
        [("twenty", "number", 20), ("one hundred", "number", 100)],
    ),
    ("thousand and", "a thousand and fifty tickets", [("a thousand and fifty", "number", 1050)]),
    ("million and", "two million and fifty thousand rows", [("two million and fifty thousand", "number", 2.05e6)]),
    (
        "billion and",
        "three billion and forty million tokens",
        [("three billion and forty million", "number", 3.04e9)],
    ),
    ("a bare scale word is skipped", "Cut cost per million tokens for three teams", [("three", "number", 3)]),
    (
        "sw and hw abbreviations are not durations",
        "Led two s/w and three h/w engineers",
        [("two", "number", 2), ("three", "number", 3)],
    ),
    ("one percent", "cut churn by one percent", [("one percent", "percent", 1)]),
    (
        "multiplier word next to digits",
        "doubled throughput on 3 clusters",
        [("doubled", "multiplier", 2), ("3", "number", 3)],
    ),
    (
        "multiplier word after digits",
        "merged 3 queues and halved review time",
        [("3", "number", 3), ("halved", "multiplier", 0.5)],
    ),
    ("fold word", "a tenfold speedup", [("tenfold", "multiplier", 10)]),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in WORDS], ids=[c[0] for c in WORDS])
def test_words(text, expected):
    assert found(text) == [(r, k, round(float(v), 9)) for r, k, v in expected]


@pytest.mark.parametrize("text", ["doubled throughput", "a tenfold speedup", "halved review time"])
def test_multiplier_words_are_in_x(text):
    q = one(text)
    assert (q.kind, q.unit) == ("multiplier", "x")
    assert same_quantity(q, one(f"{q.value:g}x"))
