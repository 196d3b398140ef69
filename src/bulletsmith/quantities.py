"""Find the quantities in a piece of text, and tell when two of them state the same fact.

The provenance guard (``bulletsmith.guards``) uses this to check that every number in a
rewrite came from the bullet or the person's answers. Numbers are written many ways
("3M", "3 million", "3,000,000"), so matching is done on normalised values, never on
substrings: "0.84" does not hide inside "0.845".

Decisions for the ambiguous cases (the tests pin each of them):

* Identifiers are names, not quantities: digits glued to a letter on their left
  (F1, L2, S3, EC2, k8s, x86, p99, Q3, V100, Route53), to a letter-plus-``*``/``_``
  (CIS*2430, x86_64), or followed by a letter suffix that makes a name (3D, 2FA, 5G,
  1920x1080). Reporting "1" in "F1" as an invented number would be noise.
* Times of day are kind ``'time'``, valued in hours since midnight: "4pm", "4 p.m." and
  "4:00 PM" are all 16.0, "12am" is 0.0, "9:30am" is 9.5. A time is a claim like any number
  (a rewrite that moves a menu change to "4pm" when nobody said so invents it), and it is
  never the same quantity as a plain number: "4pm" does not support "4 annotators".
* Versions are kind ``'version'``: ``v2.0``; a name, a hyphen and digits (``GPT-4``,
  ``Llama-2``, ``COVID-19``); a known product name followed by a number (``Python 3.11``,
  ``Java 8``); ``C++17``, ``HTTP/2``; anything with two or more dots (``3.11.2``).
  "BERT-base" has no digits and is not a quantity. A version is compared as a string
  ("3.1" is not "3.10"), so it is never confused with a count.
* Years: a bare integer 1990-2039 ("in 2023", "2019-2021") and decades ("1990s") are
  kind ``'year'``. A year and a plain number with the same value are the same quantity,
  because "2000 annotators" is written like a year.
* Ordinals written with digits ("1st", "3rd") are kind ``'ordinal'``: a rank is a claim.
  Ordinal words ("first", "second") are not extracted; they are ordinary words
  ("first-pass labels", "second opinion").
* The number word "one" on its own is not a quantity ("one of the", "one model"), except
  as a measure ("one year", "one percent"). "a hundred/thousand/million/billion/dozen"
  are quantities.
* Approximate markers: ``~ ≈ about approximately approx. around roughly circa nearly
  almost`` directly before a quantity set ``approximate`` and ``hedge``. "over", "more
  than", "up to" and a trailing "+" ("300+") are bounds, not approximations: the value
  is as written and ``approximate`` stays False ("over 6 weeks" usually means a span).
* An attached lower-case "m" is million ("3m examples"), as in the design notes;
  minutes are "min"/"minutes". "220ms" is milliseconds.
* "N times" is a multiplier whatever follows ("5 times faster", "5 times a day"), so
  "5x", "5×", "five times" and "5-fold" all compare equal; so do "twice"/"doubled" and 2x.
* Signs: "−0.15" (U+2212) is "-0.15". An unsigned quantity matches a signed one of the
  same size ("cut errors 12%" supports "-12%"); two explicit, opposite signs do not.
* A range or an arrow ("40-50%", "40 to 50 percent", "0.68 → 0.84", "from 0.68 to 0.84")
  yields one quantity per end; a unit written once is shared ("40-50%" is 40% and 50%,
  "$3-5M" is $3M and $5M).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

from bulletsmith.quantity_words import (
    AND_SEP_RE,
    ARROW_SEP_RE,
    ARTICLE_BEFORE_RE,
    BETWEEN_BEFORE_RE,
    CURRENCY,
    CURRENCY_AFTER_RE,
    CURRENCY_BEFORE_RE,
    DECADE_RE,
    DURATION_LETTER_RE,
    DURATION_UNITS,
    DURATION_WORD_RE,
    DURATION_WORDS,
    HEDGE_BEFORE_RE,
    HYPHEN_PREFIX_WORDS,
    HYPHEN_WORD_BEFORE_RE,
    IDENTIFIER_SUFFIXES,
    LOOKBEHIND,
    MAG_ATTACHED_RE,
    MAG_WORD_RE,
    MAGNITUDE_SUFFIXES,
    MAGNITUDE_WORDS,
    MULT_RE,
    MULT_WORD_RE,
    MULTIPLIER_WORDS,
    NOUN_RE,
    NUMBER_RE,
    NUMBER_WORD_JOIN_RE,
    NUMBER_WORD_RE,
    ORDINAL_RE,
    PERCENT_RE,
    PLUS_RE,
    POINTS_RE,
    RANGE_SEP_RE,
    RATIO_RE,
    SCALE_WORDS,
    SIGN_CHARS,
    SIZE_RE,
    SIZE_UNITS,
    SLASH_WORD_BEFORE_RE,
    SMALL_NUMBER_WORDS,
    STOPWORDS,
    SUFFIX_LETTERS_RE,
    TENS_WORDS,
    TIME_OF_DAY_RE,
    VERSION_KEY_RE,
    VERSION_TAIL_RE,
    VERSION_WORD_BEFORE_RE,
    VERSIONED_NAMES,
)

__all__ = ["Quantity", "changes", "extract_quantities", "same_quantity"]


@dataclass(frozen=True)
class Quantity:
    """One quantity found in a text.

    ``value`` is the magnitude-expanded value in ``unit`` ("3M" -> 3000000.0, "$1.2k" ->
    1200.0, "220 ms" -> 220.0 with unit "ms"); negative when written with a minus sign.
    For a version, ``unit`` is the product name when there is one ("python", "gpt").
    For a plain number, ``unit`` is the noun that follows, if any ("annotators"); it is
    informational only and not used by :func:`same_quantity`.
    """

    raw: str  # as written, without a leading hedge word ("37%", "3 million", "GPT-4")
    start: int
    end: int
    value: float
    kind: str  # 'number' | 'percent' | 'money' | 'duration' | 'multiplier' | 'size'
    #            | 'year' | 'version' | 'ordinal' | 'ratio' | 'time'
    unit: str | None = None
    approximate: bool = False
    hedge: str | None = field(default=None, compare=False)  # the marker as written: "~", "about"


# --------------------------------------------------------------------------- scanning


@dataclass
class _Draft:
    """A quantity being assembled; frozen into a Quantity at the end."""

    start: int
    end: int
    value: float
    kind: str = "number"
    unit: str | None = None
    approximate: bool = False
    hedge: str | None = None
    scale: float | None = None  # magnitude written on this quantity ("M" in "5M")
    has_unit: bool = False  # a unit written on this quantity (%, ms, x, $...)

    def freeze(self, text: str) -> Quantity:
        return Quantity(
            raw=text[self.start : self.end],
            start=self.start,
            end=self.end,
            value=self.value,
            kind=self.kind,
            unit=self.unit,
            approximate=self.approximate,
            hedge=self.hedge,
        )


def _before(pattern: re.Pattern[str], text: str, pos: int) -> re.Match[str] | None:
    """Search for `pattern` (anchored with $) in the few characters before `pos`.

    A bounded window keeps extraction linear on long texts; the patterns' lookbehinds
    still see the real text before the window, so a cut word never matches.
    """
    return pattern.search(text, max(0, pos - LOOKBEHIND), pos)


def _to_float(digits: str) -> float:
    return float(digits.replace(",", ""))


def _read_units(text: str, d: _Draft, *, glued_ok: bool) -> None:
    """Consume what follows a number (magnitude, unit, noun) and update the draft in place."""
    pos = d.end
    if glued_ok and (m := MAG_ATTACHED_RE.match(text, pos)):
        d.scale = MAGNITUDE_SUFFIXES[m.group(1)]
        pos = m.end()
    elif m := MAG_WORD_RE.match(text, pos):
        d.scale = MAGNITUDE_WORDS[m.group(1).lower()]
        pos = m.end()
    if d.scale:
        d.value *= d.scale
    if m := PLUS_RE.match(text, pos):  # "300+", "50K+": a lower bound, kept in raw
        pos = m.end()
    d.end = pos

    if m := PERCENT_RE.match(text, pos):
        d.kind, d.unit, d.end, d.has_unit = "percent", "%", m.end(), True
    elif m := POINTS_RE.match(text, pos):
        d.kind, d.unit, d.end, d.has_unit = "percent", "pp", m.end(), True
    elif m := SIZE_RE.match(text, pos):
        unit = (m.group(1) or "B").upper()
        d.kind, d.unit, d.end, d.has_unit = "size", unit.replace("IB", "iB"), m.end(), True
    elif m := DURATION_WORD_RE.match(text, pos):
        d.kind, d.unit, d.end, d.has_unit = "duration", DURATION_WORDS[m.group(1).lower()], m.end(), True
    elif glued_ok and (m := DURATION_LETTER_RE.match(text, pos)):
        d.kind, d.unit, d.end, d.has_unit = "duration", m.group(1), m.end(), True
    elif m := MULT_RE.match(text, pos):
        d.kind, d.unit, d.end, d.has_unit = "multiplier", "x", m.end(), True
    elif m := CURRENCY_AFTER_RE.match(text, pos):
        d.kind, d.unit, d.end, d.has_unit = "money", CURRENCY[m.group(1).lower()], m.end(), True
    if d.kind != "number":
        return
    if m := NOUN_RE.match(text, d.end):
        noun = m.group(2).lower()
        if m.group(1) == "-" or noun not in STOPWORDS:
            d.unit = noun


def _identifier_suffix(text: str, pos: int) -> bool:
    """True when letters glued after a number make it a name: 3D, 2FA, 5G, 1920x1080."""
    m = SUFFIX_LETTERS_RE.match(text, pos)
    if not m:
        return False
    return bool(m.group(2)) or m.group(1).lower() in IDENTIFIER_SUFFIXES


def _version(text: str, start: int, end: int, name: str | None) -> _Draft:
    # "GPT-4o", "3.11rc1": letters glued to the version belong to it.
    if m := VERSION_TAIL_RE.match(text, end):
        end = m.end()
    head = NUMBER_RE.search(text, start, end)
    parts = head.group(0).lstrip(".").split(".") if head else ["0"]
    value = float(".".join(parts[:2]))
    return _Draft(start=start, end=end, value=value, kind="version", unit=name.lower() if name else None, has_unit=True)


def _scan_digits(text: str) -> list[_Draft]:
    drafts: list[_Draft] = []
    pos = 0
    while m := NUMBER_RE.search(text, pos):
        s, e, digits = m.start(), m.end(), m.group(0)
        pos = e
        prev = text[s - 1] if s else ""
        prev2 = text[s - 2] if s >= 2 else ""

        # -- names and versions, decided by what is glued on the left
        if prev == "v" or (prev == "V" and "." in digits):
            if not (prev2.isalnum() or prev2 == "_"):
                drafts.append(_version(text, s - 1, e, None))
                continue
        if prev.isalnum() or prev == "_" or (prev == "*" and prev2.isalpha()):
            continue  # F1, EC2, k8s, x86_64, CIS*2430
        if prev == "." and prev2.isalnum():
            continue  # the tail of something like "a.b.3"
        if prev == "+" and prev2 == "+":  # C++17
            drafts.append(_version(text, s - 3 if s >= 3 else s, e, "c++"))
            continue
        if prev == "-" and prev2.isalpha():
            w = _before(HYPHEN_WORD_BEFORE_RE, text, s)
            if w and w.group(1).lower() not in HYPHEN_PREFIX_WORDS:
                drafts.append(_version(text, w.start(1), e, w.group(1)))
                continue
        if prev == "/" and prev2.isalpha():  # HTTP/2
            w = _before(SLASH_WORD_BEFORE_RE, text, s)
            if w:
                drafts.append(_version(text, w.start(1), e, w.group(1)))
                continue
        if digits.count(".") >= 2:  # 3.11.2, 10.0.0.1
            drafts.append(_version(text, s, e, None))
            continue

        d = _Draft(start=s, end=e, value=_to_float(digits))
        integer = "." not in digits

        # -- ratio, ordinal, decade, identifier suffix: things glued on the right
        if integer and (r := RATIO_RE.match(text, e)):
            d.kind, d.end, d.has_unit = "ratio", r.end(), True
            d.value = d.value / float(r.group(1)) if float(r.group(1)) else math.inf
            pos = d.end
        elif integer and (o := ORDINAL_RE.match(text, e)):
            d.kind, d.end, d.has_unit = "ordinal", o.end(), True
        elif integer and len(digits) == 4 and 1900 <= d.value <= 2099 and DECADE_RE.match(text, e):
            d.kind, d.end, d.has_unit = "year", e + 1, True
        elif integer and 1 <= d.value <= 12 and (t := TIME_OF_DAY_RE.match(text, e)):
            hour = d.value % 12 + (12 if t.group(2).lower() == "p" else 0)
            d.kind, d.end, d.has_unit = "time", t.end(), True
            d.value = hour + (int(t.group(1)) / 60 if t.group(1) else 0)
            pos = d.end
        else:
            if _identifier_suffix(text, e) and not (
                MAG_ATTACHED_RE.match(text, e)
                or DURATION_LETTER_RE.match(text, e)
                or DURATION_WORD_RE.match(text, e)
                or SIZE_RE.match(text, e)
            ):
                continue
            _read_units(text, d, glued_ok=True)
            pos = max(pos, d.end)

        # -- what sits on the left: sign, currency
        signed = False
        if prev and prev in SIGN_CHARS and (s == 1 or prev2.isspace() or prev2 in "([{,;:/"):
            d.start, signed = s - 1, True
        if c := _before(CURRENCY_BEFORE_RE, text, d.start):
            if d.kind in ("number", "money"):
                d.kind, d.unit, d.has_unit = "money", CURRENCY[c.group(0).strip().lower()], True
                d.start = c.start()
                p1 = text[d.start - 1] if d.start else ""
                if not signed and p1 and p1 in SIGN_CHARS and (d.start == 1 or text[d.start - 2].isspace()):
                    d.start, signed = d.start - 1, True
        if signed and text[d.start] in "-−":
            d.value = -d.value

        # -- a product name before a bare number makes it a version ("Python 3.11")
        if d.kind == "number" and not d.scale and not signed:
            w = _before(VERSION_WORD_BEFORE_RE, text, s)
            if w and w.group(1).lower() in VERSIONED_NAMES:
                v = _version(text, w.start(1), e, w.group(1))
                drafts.append(v)
                pos = max(pos, v.end)
                continue

        if (
            d.kind == "number"
            and integer
            and not d.scale
            and not signed
            and len(digits) == 4
            and 1990 <= d.value <= 2039
        ):
            d.kind, d.unit = "year", None
        drafts.append(d)
    return drafts


def _scan_words(text: str, taken: list[tuple[int, int]]) -> list[_Draft]:
    """Number words ("twelve", "two thousand", "a million") and multiplier words ("twice")."""

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    drafts: list[_Draft] = []
    tokens = [m for m in NUMBER_WORD_RE.finditer(text) if free(m.start(), m.end())]
    i = 0
    while i < len(tokens):
        # Group tokens that read as one number: "twenty-five", "two hundred and ten thousand".
        group = [tokens[i]]
        j = i + 1
        while j < len(tokens):
            prev_tok, tok = group[-1], tokens[j]
            gap = text[prev_tok.end() : tok.start()]
            if not NUMBER_WORD_JOIN_RE.fullmatch(gap):
                break
            if "and" in gap.lower() and prev_tok.group(1).lower() not in ("hundred", "thousand", "million", "billion"):
                break
            if not _continues([t.group(1).lower() for t in group], tok.group(1).lower()):
                break
            group.append(tok)
            j += 1
        i = j
        words = [t.group(1).lower() for t in group]
        start, end = group[0].start(), group[-1].end()
        if words[0] in SCALE_WORDS:
            art = _before(ARTICLE_BEFORE_RE, text, start)
            if not art:
                continue  # "hundred" alone is not a number; "a hundred" is
            start = art.start(1)
        d = _Draft(start=start, end=end, value=_words_value(words))
        _read_units(text, d, glued_ok=False)
        if words == ["one"] and d.kind not in ("percent", "duration"):
            continue  # "one of the", "one model": an article, not a claim
        drafts.append(d)

    for m in MULT_WORD_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        if m.group(1):
            value = MULTIPLIER_WORDS[m.group(1).lower()]
        else:
            value = _words_value([m.group(2).lower()])
        drafts.append(_Draft(start=m.start(), end=m.end(), value=value, kind="multiplier", unit="x", has_unit=True))
    return drafts


def _continues(words: list[str], nxt: str) -> bool:
    """Whether `nxt` can extend the number words so far ("twenty" + "five": yes; "five" + "six": no)."""
    last = words[-1]
    if nxt in SCALE_WORDS:
        # "two hundred", "five thousand"; a larger scale may follow a smaller one ("hundred thousand").
        return nxt == "dozen" or last != nxt
    if last in TENS_WORDS:
        return nxt in SMALL_NUMBER_WORDS and 0 < SMALL_NUMBER_WORDS[nxt] < 10
    if last in SCALE_WORDS:
        return last != "dozen"
    return False


def _words_value(words: list[str]) -> float:
    total, current = 0.0, 0.0
    for w in words:
        if w in SMALL_NUMBER_WORDS:
            current += SMALL_NUMBER_WORDS[w]
        elif w in TENS_WORDS:
            current += TENS_WORDS[w]
        elif w in ("hundred", "dozen"):
            current = (current or 1) * SCALE_WORDS[w]
        else:
            total += (current or 1) * SCALE_WORDS[w]
            current = 0.0
    return total + current


def _link_ranges(text: str, drafts: list[_Draft]) -> None:
    """Share a unit across the ends of a range or an arrow: "40-50%", "$3-5M", "40 to 50 percent"."""
    for a, b in zip(drafts, drafts[1:]):
        gap = text[a.end : b.start]
        dash_range = False
        if RANGE_SEP_RE.fullmatch(gap):
            dash_range = gap.strip().lower() not in ("to", "through", "thru")
        elif ARROW_SEP_RE.fullmatch(gap) or (AND_SEP_RE.fullmatch(gap) and _before(BETWEEN_BEFORE_RE, text, a.start)):
            pass
        else:
            continue
        if b.approximate is False and a.approximate and not ARROW_SEP_RE.fullmatch(gap):
            b.approximate = True  # "~40-50%": the hedge covers the whole range
        if a.kind == "number" and not a.has_unit and b.kind in ("percent", "duration", "multiplier", "size", "money"):
            a.kind, a.unit = b.kind, b.unit
            if dash_range and b.scale and not a.scale:
                a.value *= b.scale  # "3-5M" is 3M to 5M
        elif b.kind == "number" and a.kind == "money" and not b.has_unit:
            b.kind, b.unit = "money", a.unit  # "$3-5M"
            if dash_range and b.scale and not a.scale:
                a.value *= b.scale
        elif a.kind == b.kind == "number" and not a.has_unit and dash_range and b.scale and not a.scale:
            a.value *= b.scale  # "3-5M rows" is 3M to 5M rows, as "3-5M%" and "$3-5M" are


def _mark_hedges(text: str, drafts: list[_Draft]) -> None:
    for d in drafts:
        if h := _before(HEDGE_BEFORE_RE, text, d.start):
            d.approximate = True
            d.hedge = h.group(1) or h.group(2)


def extract_quantities(text: str) -> list[Quantity]:
    """All quantities in `text`, in reading order (see the module notes for what counts)."""
    if not text:
        return []
    return list(_extract(text))


@functools.lru_cache(maxsize=1024)
def _extract(text: str) -> tuple[Quantity, ...]:
    """extract_quantities, remembered (Quantity is frozen): the provenance guard reads the same
    bullet, answers and rewrite several times for one answer (each check, each re-ask, then the
    Assistant's own check), and the scan is most of the guards' time."""
    drafts = _scan_digits(text)
    drafts += _scan_words(text, [(d.start, d.end) for d in drafts])
    drafts.sort(key=lambda d: d.start)
    _mark_hedges(text, drafts)
    _link_ranges(text, drafts)
    return tuple(d.freeze(text) for d in drafts)


_FROM_BEFORE_RE = re.compile(r"\bfrom\s+(?:an?\s+|the\s+)?(?:~|about\s+|around\s+|roughly\s+)?$", re.I)
_TO_SEP_RE = re.compile(r"\s+to\s+", re.I)


def changes(text: str) -> list[tuple[Quantity, Quantity]]:
    """The changes `text` states, as (before, after): "from 0.68 to 0.84", "0.68 → 0.84",
    "9% -> 3%". A range ("40-50%", "40 to 50 percent" with no "from") is not a change."""
    found = extract_quantities(text)
    out = []
    for a, b in zip(found, found[1:]):
        gap = text[a.end : b.start]
        if ARROW_SEP_RE.fullmatch(gap) or (_TO_SEP_RE.fullmatch(gap) and _before(_FROM_BEFORE_RE, text, a.start)):
            out.append((a, b))
    return out


# --------------------------------------------------------------------------- equivalence

_COMPATIBLE_KINDS = {"year": "number"}  # "2000 annotators" is written like a year


# What may come before a written sign: a currency symbol or code ("$+500", "USD -500", "EUR -3k").
_BEFORE_SIGN = re.compile(r"^[^\d+\-−]*")


def _sign(q: Quantity) -> int:
    """-1 / +1 for an explicit sign, 0 when none was written."""
    head = _BEFORE_SIGN.sub("", q.raw, count=1)
    if q.value < 0 or head.startswith(("-", "−")):
        return -1
    return 1 if head.startswith("+") else 0


def _version_key(q: Quantity) -> str:
    m = VERSION_KEY_RE.search(q.raw)
    if not m:
        return q.raw.casefold()
    number = m.group(1)
    while number.endswith(".0"):  # v2.0 == v2
        number = number[:-2]
    return number + m.group(2).lower()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def same_quantity(a: Quantity, b: Quantity) -> bool:
    """True when `a` and `b` state the same quantity, whatever the notation.

    3M == 3 million == 3,000,000; 37% == 37 percent; 0.84 == .84; $1.2k == $1,200;
    220ms == 220 ms == 0.22 s; 5x == 5× == five times; twelve == 12. Units must agree
    where the kind has one (% vs percentage points, $ vs €); a plain number's noun is not
    compared ("12 annotators" vs "12 expert annotators" is the same 12).
    """
    ka, kb = _COMPATIBLE_KINDS.get(a.kind, a.kind), _COMPATIBLE_KINDS.get(b.kind, b.kind)
    if ka != kb:
        return False
    if ka == "version":
        if a.unit and b.unit and a.unit != b.unit:
            return False
        return _version_key(a) == _version_key(b)
    sa, sb = _sign(a), _sign(b)
    if sa and sb and sa != sb:
        return False
    va, vb = abs(a.value), abs(b.value)
    if ka == "duration":
        return _close(va * DURATION_UNITS[a.unit or "s"], vb * DURATION_UNITS[b.unit or "s"])
    if ka == "size":
        return _close(va * SIZE_UNITS[(a.unit or "B").upper()], vb * SIZE_UNITS[(b.unit or "B").upper()])
    if ka in ("percent", "money") and a.unit != b.unit:
        return False
    return _close(va, vb)
