"""Quantity extraction and equivalence: how bulletsmith reads the numbers in a bullet."""

from __future__ import annotations

import pytest
from support.quantities import found, one

from bulletsmith.quantities import changes, extract_quantities, same_quantity

# --------------------------------------------------------------------------- extraction

EXTRACTION = [
    # plain numbers
    ("integer", "Managed 3 clusters", [("3", "number", 3)]),
    ("decimal", "agreement of 0.84", [("0.84", "number", 0.84)]),
    ("leading-dot decimal", "agreement of .84", [(".84", "number", 0.84)]),
    ("thousands separators", "over 3,000,000 examples", [("3,000,000", "number", 3e6)]),
    ("sentence-final period is not a decimal", "labeled 40.", [("40", "number", 40)]),
    # percentages
    ("percent sign", "cut mislabels by 37%", [("37%", "percent", 37)]),
    ("percent word", "cut mislabels by 37 percent", [("37 percent", "percent", 37)]),
    ("pct", "cut mislabels by 37 pct", [("37 pct", "percent", 37)]),
    ("percentage points are not percent", "lifted recall 5pp", [("5pp", "percent", 5)]),
    # ranges and arrows: both ends, sharing the unit
    ("hyphen range", "40-50% fewer errors", [("40", "percent", 40), ("50%", "percent", 50)]),
    ("en-dash range", "40–50% fewer errors", [("40", "percent", 40), ("50%", "percent", 50)]),
    ("worded range", "40 to 50 percent fewer", [("40", "percent", 40), ("50 percent", "percent", 50)]),
    ("between-and range", "between 10 and 20% of rows", [("10", "percent", 10), ("20%", "percent", 20)]),
    ("arrow", "0.68 -> 0.84", [("0.68", "number", 0.68), ("0.84", "number", 0.84)]),
    ("unicode arrow glued", "0.68→0.84", [("0.68", "number", 0.68), ("0.84", "number", 0.84)]),
    ("unicode arrow spaced", "0.68 → 0.84", [("0.68", "number", 0.68), ("0.84", "number", 0.84)]),
    ("from-to", "from 0.68 to 0.84", [("0.68", "number", 0.68), ("0.84", "number", 0.84)]),
    ("money range shares currency and magnitude", "$3-5M budget", [("$3", "money", 3e6), ("5M", "money", 5e6)]),
    # magnitudes
    ("M suffix", "3M examples", [("3M", "number", 3e6)]),
    ("lower-case m is million", "3m examples", [("3m", "number", 3e6)]),
    ("million word", "2 million rows", [("2 million", "number", 2e6)]),
    ("decimal billion", "1.2B tokens", [("1.2B", "number", 1.2e9)]),
    ("K suffix", "500K rows", [("500K", "number", 5e5)]),
    ("k suffix", "10k rows", [("10k", "number", 1e4)]),
    ("plus is a bound, kept in raw", "50K+ lines", [("50K+", "number", 5e4)]),
    # number words
    ("number word", "twelve annotators", [("twelve", "number", 12)]),
    ("hyphenated number word", "twenty-five reviewers", [("twenty-five", "number", 25)]),
    ("number word with scale", "two thousand prompts", [("two thousand", "number", 2000)]),
    ("hundred and", "two hundred and ten jobs", [("two hundred and ten", "number", 210)]),
    ("article with scale", "a million rows", [("a million", "number", 1e6)]),
    ("a dozen", "a dozen annotators", [("a dozen", "number", 12)]),
    ("tens and units", "twenty one thousand images", [("twenty one thousand", "number", 21000)]),
    ("a scale after a scale", "two hundred thousand users", [("two hundred thousand", "number", 2e5)]),
    ("a dozen of a dozen", "a dozen dozen eggs", [("a dozen dozen", "number", 144)]),
    (
        "nothing follows a dozen",
        "ran a dozen two-week sprints",
        [("a dozen", "number", 12), ("two-week", "duration", 2)],
    ),
    ("tens then ten stay apart", "across twenty ten regions", [("twenty", "number", 20), ("ten", "number", 10)]),
    ("units then units stay apart", "five six-person teams", [("five", "number", 5), ("six", "number", 6)]),
    ("bare one is an article", "one of the first teams", []),
    ("one as a measure", "over one year", [("one year", "duration", 1)]),
    (
        "separate number words stay separate",
        "four engineers, two of whom",
        [("four", "number", 4), ("two", "number", 2)],
    ),
    # money
    ("dollar with k", "saved $1.2k", [("$1.2k", "money", 1200)]),
    ("dollar with M", "saved $3M", [("$3M", "money", 3e6)]),
    ("USD prefix", "saved USD 500", [("USD 500", "money", 500)]),
    ("dollars word", "saved 500 dollars", [("500 dollars", "money", 500)]),
    # durations
    ("ms glued", "220ms", [("220ms", "duration", 220)]),
    ("ms spaced", "220 ms", [("220 ms", "duration", 220)]),
    ("seconds glued", "in 3s", [("3s", "duration", 3)]),
    ("hours", "2 hours", [("2 hours", "duration", 2)]),
    ("weeks", "sustained over 6 weeks", [("6 weeks", "duration", 6)]),
    ("hyphenated duration", "a 24-hour SLA", [("24-hour", "duration", 24)]),
    ("sub- prefix is not a name", "sub-100ms latency", [("100ms", "duration", 100)]),
    # multipliers
    ("x", "5x faster", [("5x", "multiplier", 5)]),
    ("times sign", "5× faster", [("5×", "multiplier", 5)]),
    ("times word", "5 times faster", [("5 times", "multiplier", 5)]),
    ("word times", "five times faster", [("five times", "multiplier", 5)]),
    ("fold", "a 10-fold speedup", [("10-fold", "multiplier", 10)]),
    ("doubled", "doubled throughput", [("doubled", "multiplier", 2)]),
    # sizes
    ("gigabytes", "5GB per day", [("5GB", "size", 5)]),
    # signs
    ("plus sign", "+0.15 AUC", [("+0.15", "number", 0.15)]),
    ("ascii minus", "-0.15 log loss", [("-0.15", "number", -0.15)]),
    ("unicode minus", "−0.15 log loss", [("−0.15", "number", -0.15)]),
    ("negative percent", "latency -12%", [("-12%", "percent", -12)]),
    ("hyphen inside a range is not a sign", "2-3 days", [("2", "duration", 2), ("3 days", "duration", 3)]),
    # years, versions, ordinals, ratios
    ("year", "shipped in 2023", [("2023", "year", 2023)]),
    ("year range", "2019-2021", [("2019", "year", 2019), ("2021", "year", 2021)]),
    ("decade", "since the 1990s", [("1990s", "year", 1990)]),
    ("named version", "ported to Python 3.11", [("Python 3.11", "version", 3.11)]),
    ("v version", "released v2.0", [("v2.0", "version", 2.0)]),
    ("hyphen version", "prompts for GPT-4", [("GPT-4", "version", 4)]),
    ("dotted version", "pinned 3.11.2", [("3.11.2", "version", 3.11)]),
    ("C++ version", "rewrote it in C++17", [("C++17", "version", 17)]),
    ("no digits, no version", "fine-tuned BERT-base", []),
    ("ordinal", "ranked 1st of 300 teams", [("1st", "ordinal", 1), ("300", "number", 300)]),
    ("ratio", "24/7 on-call", [("24/7", "ratio", 24 / 7)]),
    # identifiers are names, not numbers
    ("F1", "raised F1 on the holdout", []),
    ("L2 and S3", "L2 penalty, data in S3", []),
    ("EC2", "on AWS EC2 instances", []),
    ("k8s and x86", "k8s on x86", []),
    ("p99 is a name, 40% is not", "Cut p99 latency 40%", [("40%", "percent", 40)]),
    ("letter suffix names", "3D boxes, 2FA, 5G, 1920x1080 frames", []),
    ("course code", "TA for CIS*2430", []),
    # times of day: hours since midnight, never a plain count
    ("time of day", "moved lunch from 4pm to 6 a.m.", [("4pm", "time", 16), ("6 a.m.", "time", 6)]),
    ("minutes and midnight", "runs at 9:30am and 12am", [("9:30am", "time", 9.5), ("12am", "time", 0)]),
    ("clock without am/pm", "met at 9:30", [("9", "number", 9), ("30", "number", 30)]),
    ("amps are not a time", "6 amps on 5 AMD GPUs", [("6", "number", 6), ("5", "number", 5)]),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in EXTRACTION], ids=[c[0] for c in EXTRACTION])
def test_extract(text, expected):
    assert found(text) == [(r, k, round(float(v), 9)) for r, k, v in expected]


def test_positions_point_at_the_raw_text():
    text = "Cut label latency by 220 ms and mislabels by 37%"
    for q in extract_quantities(text):
        assert text[q.start : q.end] == q.raw


@pytest.mark.parametrize(
    "text, hedge",
    [
        ("~40%", "~"),
        ("≈ 40%", "≈"),
        ("about 40%", "about"),
        ("approximately 40%", "approximately"),
        ("around 40%", "around"),
        ("roughly 5 hours", "roughly"),
        ("nearly 3M", "nearly"),
        ("almost 2x", "almost"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) > 2 else None,
)
def test_hedge_words_make_a_quantity_approximate(text, hedge):
    q = one(text)
    assert q.approximate is True
    assert q.hedge == hedge
    assert hedge not in q.raw  # raw is the quantity itself


@pytest.mark.parametrize("text", ["over 30%", "more than 1 billion", "300+ pods", "up to 5x", "40%"])
def test_bounds_are_not_approximations(text):
    assert one(text).approximate is False


def test_hedge_covers_both_ends_of_a_range():
    a, b = extract_quantities("~40-50% fewer errors")
    assert (a.approximate, b.approximate) == (True, True)
    assert a.hedge == "~" and b.hedge is None  # the word is reported once


def test_following_noun_is_kept_as_unit():
    assert one("twelve annotators").unit == "annotators"
    assert one("an 8-page paper").unit == "page"
    assert one("3.6 million users").unit == "users"


# Real bullets from /work/shared/realdata/bullets.jsonl (ids kept; licences are listed there).
REAL_BULLETS = [
    (
        "rb037",
        "Saved over 30% of the overall AWS costs by establishing a quarterly purchasing strategiy for RI "
        "(Reserved Instance) and SP (Savings Plan) and by introducing Graviton instances.",
        [("30%", "percent", 30)],
    ),
    (
        "rb041",
        "Migrated the orchestration system from DC/OS to Kubernetes which is based on AWS EKS. Managed 3 "
        "Kubernetes clusters and 300+ pods.",
        [("3", "number", 3), ("300+", "number", 300)],
    ),
    (
        "rb043",
        "The ES cluster which has 9 nodes processed more than 1 billion documents per month. Wrote Terraform "
        "module to easily provision ES cluster on AWS EC2 instances.",
        [("9", "number", 9), ("1 billion", "number", 1e9)],
    ),
    (
        "rb022",
        "In a team of 2, raised $8,000 in funding from The Hub incubator at the University of Guelph",
        [("2", "number", 2), ("$8,000", "money", 8000)],
    ),
    ("rb029", "would help the team save $4K annually by downgrading Microsoft Visual Studio", [("$4K", "money", 4000)]),
    (
        "rb035",
        "Continuously improved the infrastructure architecture since launching the service. (currently 3.6 "
        "million users)",
        [("3.6 million", "number", 3.6e6)],
    ),
    ("rb075", "Cut p99 produce latency 40% by reworking the replication fetch path", [("40%", "percent", 40)]),
    ("rb086", "Automated weekly reporting that saved owners roughly 5 hours per week", [("5 hours", "duration", 5)]),
    (
        "rb087",
        "Grew annual revenue 28% over three years while holding food cost flat",
        [("28%", "percent", 28), ("three years", "duration", 3)],
    ),
    (
        "rb053",
        "Deployed a centralized logging environment(ELK, Filebeat, CloudWatch, S3) which gather log data from "
        "docker containers and AWS resources.",
        [],
    ),
    (
        "rb074",
        "Led a six-engineer working group to ship active-active cluster linking across three cloud regions",
        [("six", "number", 6), ("three", "number", 3)],
    ),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in REAL_BULLETS], ids=[c[0] for c in REAL_BULLETS])
def test_extract_real_bullets(text, expected):
    assert found(text) == [(r, k, round(float(v), 9)) for r, k, v in expected]


def test_real_bullet_hedge_is_seen():
    assert one("saved owners roughly 5 hours per week").hedge == "roughly"


# --------------------------------------------------------------------------- equivalence

SAME = [
    ("3M / 3 million", "3M", "3 million"),
    ("3 million / 3,000,000", "3 million", "3,000,000"),
    ("3m / 3,000,000", "3m examples", "3,000,000 examples"),
    ("37% / 37 percent", "37%", "37 percent"),
    ("0.84 / .84", "0.84", ".84"),
    ("$1.2k / $1,200", "$1.2k", "$1,200"),
    ("$3M / USD 3 million", "$3M", "USD 3 million"),
    ("220ms / 220 ms", "220ms", "220 ms"),
    ("220ms / 0.22 s", "220ms", "0.22 s"),
    ("12 months / one year", "12 months", "one year"),
    ("5x / 5×", "5x", "5×"),
    ("5x / five times", "5x", "five times"),
    ("doubled / 2x", "doubled", "2x"),
    ("twelve / 12", "twelve annotators", "12 annotators"),
    ("a dozen / 12", "a dozen", "12"),
    ("−0.15 / -0.15", "−0.15", "-0.15"),
    ("unsigned matches signed", "0.15 AUC", "+0.15 AUC"),
    ("year / plain number", "2000", "2,000"),
    ("v2 / v2.0", "v2", "v2.0"),
    ("Python 3.11 / v3.11", "Python 3.11", "v3.11"),
    ("5GB / 5000 MB", "5GB", "5000 MB"),
]

DIFFERENT = [
    ("0.84 / 0.845", "0.84", "0.845"),
    ("3M / 30M", "3M", "30M"),
    ("37% / 37", "37%", "37"),
    ("37% / 37pp", "37%", "37pp"),
    ("$1.2k / €1.2k", "$1.2k", "€1.2k"),
    ("$1,200 / 1,200", "$1,200", "1,200"),
    ("220ms / 220 s", "220ms", "220 s"),
    ("5x / 5", "5x", "5 annotators"),
    ("+0.15 / -0.15", "+0.15", "-0.15"),
    ("Python 3.1 / Python 3.10", "Python 3.1", "Python 3.10"),
    ("GPT-4 / Llama-4", "GPT-4", "Llama-4"),
    ("1st / 1", "1st", "1 model"),
    ("6 weeks / 6 months", "6 weeks", "6 months"),
]


@pytest.mark.parametrize("a, b", [c[1:] for c in SAME], ids=[c[0] for c in SAME])
def test_same_quantity(a, b):
    qa, qb = one(a), one(b)
    assert same_quantity(qa, qb) and same_quantity(qb, qa)


@pytest.mark.parametrize("a, b", [c[1:] for c in DIFFERENT], ids=[c[0] for c in DIFFERENT])
def test_different_quantity(a, b):
    qa, qb = one(a), one(b)
    assert not same_quantity(qa, qb) and not same_quantity(qb, qa)


def test_empty_text_has_no_quantities():
    assert extract_quantities("") == []
    assert extract_quantities("Redesigned the labeling taxonomy") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("agreement rose from 0.68 to 0.84", [("0.68", "0.84")]),
        ("agreement 0.68 → 0.84, errors 9% -> 3%", [("0.68", "0.84"), ("9%", "3%")]),
        ("between 40 and 50 percent", []),
        ("40-50% of the queue", []),
        ("scaled to 3M rows, up 40 to 50 percent", []),
    ],
)
def test_changes_are_from_to_pairs_and_arrows_not_ranges(text, expected):
    assert [(a.raw, b.raw) for a, b in changes(text)] == expected


# --------------------------------------------------------------------------- details a user relies on
# Each of these pins a reading the older tests let slip (found by mutation testing).

RANGE_UNITS = [
    # A magnitude written once is shared across a dash only: "$3-5M" is $3M to $5M, but "from $500 to
    # 20K" starts at $500 (the ends of a "to" range can be far apart).
    ("to", "priced contracts from $500 to 20K", [("$500", "money", 500), ("20K", "money", 2e4)]),
    ("through", "priced contracts from $500 through 20K", [("$500", "money", 500), ("20K", "money", 2e4)]),
    ("thru", "priced contracts $500 thru 20K", [("$500", "money", 500), ("20K", "money", 2e4)]),
    ("between-and", "budgets between $500 and 20K", [("$500", "money", 500), ("20K", "money", 2e4)]),
    ("each end its own magnitude", "a $3M-5M budget", [("$3M", "money", 3e6), ("5M", "money", 5e6)]),
    ("currency after the range", "a 10-20K EUR grant", [("10", "money", 1e4), ("20K EUR", "money", 2e4)]),
    ("multiplier range", "2-3x faster builds", [("2", "multiplier", 2), ("3x", "multiplier", 3)]),
    ("size range", "2-4 GB of RAM per worker", [("2", "size", 2), ("4 GB", "size", 4)]),
    # a dash between two different measures is punctuation, not a range
    (
        "money, a dash, a percent",
        "Cut cloud spend by $1.2M - 30% of the AWS bill",
        [("$1.2M", "money", 1.2e6), ("30%", "percent", 30)],
    ),
    # "between" joins a range only with "and"
    (
        "between, then a list",
        "Balanced traffic between 3 regions, cutting p99 latency 40%",
        [("3", "number", 3), ("40%", "percent", 40)],
    ),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in RANGE_UNITS], ids=[c[0] for c in RANGE_UNITS])
def test_a_range_shares_what_is_written_once(text, expected):
    assert found(text) == [(r, k, round(float(v), 9)) for r, k, v in expected]


def test_only_a_hedge_makes_a_range_approximate():
    assert [q.approximate for q in extract_quantities("cut false alarms 20-25%")] == [False, False]
    assert [q.approximate for q in extract_quantities("~20-25% fewer false alarms")] == [True, True]
    # an arrow is a change: the hedge is on the start only
    assert [q.approximate for q in extract_quantities("AUC about 0.7 → 0.9")] == [True, False]


@pytest.mark.parametrize(
    "text, unit",
    [
        ("lifted recall 4pp", "pp"),
        ("a 2 GiB cache", "GiB"),
        ("payloads under 512 bytes", "B"),
        ("3x fewer pages", "x"),
        ("upgraded the service to Java 17", "java"),
    ],
)
def test_the_unit_is_read_as_written(text, unit):
    assert one(text).unit == unit


def test_a_word_that_follows_a_number_is_not_always_its_noun():
    four, nine = extract_quantities("Mentored 4 of the 9 new hires")
    assert (four.unit, nine.unit) == (None, "new")


SAME_MORE = [
    ("GiB / MiB", "a 2 GiB cache", "a 2048 MiB cache"),
    ("bytes / KiB", "512 bytes", "0.5 KiB"),
    ("an unsigned cut supports a minus", "cut churn 8%", "churn -8%"),
]


@pytest.mark.parametrize("a, b", [c[1:] for c in SAME_MORE], ids=[c[0] for c in SAME_MORE])
def test_same_quantity_in_other_notations(a, b):
    qa, qb = one(a), one(b)
    assert same_quantity(qa, qb) and same_quantity(qb, qa)
