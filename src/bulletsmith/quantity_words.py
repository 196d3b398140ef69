"""The words, units and patterns that quantities are read with (bulletsmith.quantities)."""

from __future__ import annotations

import re

# --------------------------------------------------------------------------- vocabularies

MAGNITUDE_WORDS = {
    "hundred": 1e2,
    "thousand": 1e3,
    "million": 1e6,
    "mil": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
}
# Letters glued to a number: "10k", "3M", "3m", "1.2B", "$3MM", "2bn".
MAGNITUDE_SUFFIXES = {
    "k": 1e3,
    "K": 1e3,
    "m": 1e6,
    "M": 1e6,
    "MM": 1e6,
    "mn": 1e6,
    "b": 1e9,
    "B": 1e9,
    "bn": 1e9,
    "T": 1e12,
}

DURATION_UNITS = {  # normalised unit -> seconds
    "ns": 1e-9,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "wk": 7 * 86400.0,
    "mo": 365.25 / 12 * 86400.0,
    "qtr": 365.25 / 4 * 86400.0,
    "yr": 365.25 * 86400.0,
}
DURATION_WORDS = {
    "nanosecond": "ns",
    "nanoseconds": "ns",
    "ns": "ns",
    "microsecond": "µs",
    "microseconds": "µs",
    "µs": "µs",
    "μs": "µs",
    "millisecond": "ms",
    "milliseconds": "ms",
    "msec": "ms",
    "msecs": "ms",
    "ms": "ms",
    "second": "s",
    "seconds": "s",
    "sec": "s",
    "secs": "s",
    "minute": "min",
    "minutes": "min",
    "min": "min",
    "mins": "min",
    "hour": "h",
    "hours": "h",
    "hr": "h",
    "hrs": "h",
    "day": "d",
    "days": "d",
    "week": "wk",
    "weeks": "wk",
    "wk": "wk",
    "wks": "wk",
    "month": "mo",
    "months": "mo",
    "mo": "mo",
    "mos": "mo",
    "quarter": "qtr",
    "quarters": "qtr",
    "year": "yr",
    "years": "yr",
    "yr": "yr",
    "yrs": "yr",
}
SIZE_UNITS = {
    "B": 1.0,
    "KB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "TB": 1e12,
    "PB": 1e15,
    "KIB": 2.0**10,
    "MIB": 2.0**20,
    "GIB": 2.0**30,
    "TIB": 2.0**40,
    "PIB": 2.0**50,
}
CURRENCY = {
    "$": "$",
    "us$": "$",
    "usd": "$",
    "dollar": "$",
    "dollars": "$",
    "€": "€",
    "eur": "€",
    "euro": "€",
    "euros": "€",
    "£": "£",
    "gbp": "£",
    "¥": "¥",
}

SMALL_NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS_WORDS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALE_WORDS = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "dozen": 12}
MULTIPLIER_WORDS = {"twice": 2.0, "doubled": 2.0, "tripled": 3.0, "trebled": 3.0, "quadrupled": 4.0, "halved": 0.5}

# Product names whose following number is a version ("Python 3.11", "Java 8").
VERSIONED_NAMES = frozenset(
    "python java scala node node.js nodejs ruby rails php perl rust swift kotlin c# "
    "spark hadoop kafka airflow tensorflow pytorch keras django flask react angular vue "
    "ubuntu debian centos rhel windows macos ios android postgres postgresql mysql mongodb "
    "redis elasticsearch kubernetes docker cuda gpt llama claude gemini excel office "
    "bootstrap webpack typescript ecmascript es jdk gradle maven unity unreal".split()
)
# Words that may sit before "-N" without making it a version name ("top-5", "sub-100ms").
HYPHEN_PREFIX_WORDS = frozenset(
    "top bottom sub under over near pre post non tier level day week month year quarter "
    "phase stage round step batch k".split()
)
# Letter suffixes that turn a number into a name: 3D, 2FA, 5G, 3NF, 9am.
IDENTIFIER_SUFFIXES = frozenset("d g fa nf am pm".split())
# Words after a number that are not its noun ("12 of", "3 and").
STOPWORDS = frozenset(
    "a an and or but nor to of the in on at by for from with per than over under across into "
    "onto vs via while within after before during as is was were are be been each more less "
    "fewer most least other others that this these those which who whom whose it its their "
    "our my your his her them they we i you so then also only just up down out off about "
    "around between among through thru approximately approx roughly circa nearly almost".split()
)
HEDGE_WORDS = ("approximately", "approx.", "approx", "about", "around", "roughly", "circa", "nearly", "almost")

# --------------------------------------------------------------------------- regexes
# All compiled once at import; helpers use .match(text, pos) so no slicing is needed.

NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d,])(?:\.\d+)?|\d+(?:\.\d+)*|\.\d+")
RATIO_RE = re.compile(r"/(\d+)(?![\w.])")
ORDINAL_RE = re.compile(r"(?:st|nd|rd|th)\b", re.I)
DECADE_RE = re.compile(r"s\b")
MAG_ATTACHED_RE = re.compile(r"(MM|bn|mn|[kKmMbBT])(?![A-Za-z0-9])")
MAG_WORD_RE = re.compile(r"\s+(hundred|thousand|million|mil|mn|billion|bn|trillion)\b", re.I)
PLUS_RE = re.compile(r"\+(?![\d])")
PERCENT_RE = re.compile(r"\s?%|(?:\s|-)?(?:percent|per\s?cent|pct)\b\.?", re.I)
POINTS_RE = re.compile(r"\s?(?:pp|p\.p\.)(?![A-Za-z])|(?:\s|-)?percentage[\s-]points?\b", re.I)
SIZE_RE = re.compile(r"\s?([KMGTP]i?B)\b|(?:\s|-)(bytes?)\b", re.I)
DURATION_WORD_RE = re.compile(
    r"(?:\s|-)?(" + "|".join(sorted((w for w in DURATION_WORDS if len(w) > 1), key=len, reverse=True)) + r")\b",
    re.I,
)
DURATION_LETTER_RE = re.compile(r"\s?([sh])\b(?![-'’])")  # "3s", "0.22 s", "2h"; digits only
MULT_RE = re.compile(r"[xX×](?![A-Za-z0-9])|\s×|\s+times\b|(?:\s|-)?fold\b", re.I)
CURRENCY_AFTER_RE = re.compile(r"\s?(USD|EUR|GBP|dollars?|euros?)\b", re.I)
NOUN_RE = re.compile(r"(\s+|-)([A-Za-z][A-Za-z]*)")
SUFFIX_LETTERS_RE = re.compile(r"([A-Za-z]+)(\d*)")

CURRENCY_BEFORE_RE = re.compile(r"(?:US\$|\$|€|£|¥|\b(?:USD|EUR|GBP)\s?)$", re.I)
HEDGE_BEFORE_RE = re.compile(r"(?:([~≈∼])\s*|\b(" + "|".join(re.escape(w) for w in HEDGE_WORDS) + r")\s+)$", re.I)
VERSION_WORD_BEFORE_RE = re.compile(r"(?<![\w.#+])([A-Za-z][A-Za-z0-9.#+]*)\s$")
HYPHEN_WORD_BEFORE_RE = re.compile(r"(?<![\w.])([A-Za-z][A-Za-z0-9.]*)-$")
SLASH_WORD_BEFORE_RE = re.compile(r"(?<![\w.])([A-Za-z]+)/$")
BETWEEN_BEFORE_RE = re.compile(r"\bbetween\s+$", re.I)
RANGE_SEP_RE = re.compile(r"\s*(?:-|–)\s*|—|\s+(?:to|through|thru)\s+", re.I)
ARROW_SEP_RE = re.compile(r"\s*(?:-{1,2}>|=>|→|⟶|➔|➜|⇒|->)\s*")
AND_SEP_RE = re.compile(r"\s+and\s+", re.I)
SIGN_CHARS = "+-−"
LOOKBEHIND = 40  # characters searched before a number for its name, currency or hedge
VERSION_TAIL_RE = re.compile(r"[A-Za-z]+\d*(?![\w.])")
VERSION_KEY_RE = re.compile(r"(\d+(?:\.\d+)*)([A-Za-z]*)$")

NUMBER_WORD_RE = re.compile(r"\b(" + "|".join([*SMALL_NUMBER_WORDS, *TENS_WORDS, *SCALE_WORDS]) + r")\b", re.I)
NUMBER_WORD_JOIN_RE = re.compile(r"\s+|-|\s+and\s+", re.I)
ARTICLE_BEFORE_RE = re.compile(r"\b(an?)\s+$", re.I)
MULT_WORD_RE = re.compile(
    r"\b(?:("
    + "|".join(MULTIPLIER_WORDS)
    + r")|("
    + "|".join([*SMALL_NUMBER_WORDS, *TENS_WORDS, "hundred", "thousand"])
    + r")fold)\b",
    re.I,
)
