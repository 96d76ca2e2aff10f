"""What patient identifiers look like when staff type them into an export, and their redaction.

Staff type identifiers into any field, not only free text: a ward ("Bay 2 Mrs Jane Smithson"),
a code ("Fall - ls1 4ap"), a date ("DOB 01/02/1950"). These patterns find them however they
are written: NHS numbers with any separators, spaced anywhere or glued to letters
("NHS9434765919", "943.476.5919", "943 4765 919", "9434765919ward"; confirmed by the modulus
11 check digit), UK phone numbers in national and +44 forms, emails, postcodes in any case
("LS1-4AP", "LS1.4AP" too), National Insurance numbers, dates of birth next to "DOB", "born"
or "b.", and titled names (Mr, Mrs, Ms, Miss, Mx, Dr + capitalised words, accented too; Mr, Mrs,
Miss, Mister, Prof, Rev in any case + one or two words in any case).

`redact` replaces each finding by a marker such as "[NHS number]", so what stays is still
readable ("Bay 2 [name]") and nothing here matches a marker again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

# Digits not glued to other digits; letters may touch ("NHS9434765919", "9434765919ward").
# Grouped 3-3-4 with any separators ("943_476_5919" in a file name), or spaced anywhere
# ("943 4765 919", "94 34 76 59 19"), or grouped anyhow by up to three spaces, dashes or
# underscores between digits ("1930 - 2000 - 05") where no other digit is so near; never
# beside a time's colon or stop: not a date and time ("2026-12-07 14:32", whose first ten
# digits pass the check digit, as about one hour in eleven does; "14:32 2026-12-07"). Not by
# dots: a decimal ("37.34765625") is no number typed in groups.
_SEPARATOR = r"[\s_\u2013\u2014-]"
# A time's digits, before or after a run of digits: "14:" / ":32" (or "14." / ".32").
_NO_TIME_BEFORE = r"(?<!\d[:.])"
_TIME_AFTER = r"[:.]\d"
_NHS = re.compile(
    rf"(?<!\d){_NO_TIME_BEFORE}(?:\d{{3}}[\s./_\u2013\u2014-]{{0,3}}\d{{3}}"
    rf"[\s./_\u2013\u2014-]{{0,3}}\d{{4}}|\d(?:\s?\d){{9}})(?!\d|{_TIME_AFTER})"
    rf"|(?<!\d){_NO_TIME_BEFORE}(?<!\d{_SEPARATOR})(?<!\d{_SEPARATOR}{{2}})"
    rf"(?<!\d{_SEPARATOR}{{3}})\d(?:{_SEPARATOR}{{0,3}}\d){{9}}"
    rf"(?!{_SEPARATOR}{{0,3}}\d|{_TIME_AFTER})")
# UK numbers: 0 or +44 / 0044 (with an optional "(0)"), then 9 or 10 digits that may be
# spaced, hyphenated, dotted, joined by underscores (a file name) or have the area code in
# brackets; not a time's digits before or after (a UK date and time, "09-12-2026 13:07",
# reads as 0 and nine digits; so does "13:07 2026-12-09").
_PHONE = re.compile(
    rf"(?:(?:\+|(?<![A-Za-z\d])00)\s?44\s?(?:\(0\)\s?)?|(?<![A-Za-z\d+]){_NO_TIME_BEFORE}\(?0)"
    rf"[1-9](?:[\s)._-]{{0,2}}\d){{8,9}}(?!\d|{_TIME_AFTER})")
# A calendar date written with one separator, year first or last ("2024-12-01",
# "01.12.2024"). Two dates of a range read as a phone's 0 and nine digits: an export's period
# in its file name ("incidents_2024-12-01_2026-12-06.csv" holds "01_2026-12-06"),
# "09-12-2025 08-12-2026". A phone number holds no digit of one.
_DATE = re.compile(r"(?<!\d)(?:\d{4}([-._])(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])"
                   r"|(?:0[1-9]|[12]\d|3[01])([-._])(?:0[1-9]|1[0-2])\2\d{4})(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Outward code, then up to three separators (none, spaces, a dash, a dot, an underscore in a
# file name, an invisible character), then the inward code (whose last two letters never
# include C I K M O V).
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d[A-Za-z\d]?[\s._\u200b-\u200d\u2060-]{0,3}"
    r"\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}(?![A-Za-z0-9])")
# National Insurance numbers: two letters (any: HMRC's own example is QQ 12 34 56 C), three
# pairs of digits and a final A-D, spaced or not.
_NI = re.compile(r"(?<![A-Za-z0-9])(?i:[A-Z]{2}(?:[\s._-]{0,2}\d{2}){3}[\s._-]{0,2}"
                 r"[A-D])(?![A-Za-z0-9])")
_MONTH = (r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*")
# Not only after a word boundary: "sjr_dob_09-03-1934.csv"; the date may be spaced.
_DOB = re.compile(
    r"(?i:(?<![A-Za-z])(?:d\.?o\.?b\.?|date of birth|born)(?![A-Za-z])|\bb\.)[\s:._-]*"
    rf"(?:\d{{1,4}}[/.\s_-]\d{{1,2}}[/.\s_-]\d{{1,4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?i:{_MONTH})\.?,?\s+\d{{2,4}})")
# Title case or all-caps titles ("MS" and "DR" alone are too often multiple sclerosis or a
# diagnostic room), then an initial or capitalised word, and any further capitalised words;
# or a title that is never anything else, in any case, then one or two words in any case
# ("mr john pemberton", "Mrs. smithson", "Prof Quennell") and any further capitalised ones.
# A name's letters after its first (accented ones too: "Siân", "Ó"), and an initial's stop.
_REST = r"(?:[^\W\d_]|['’-])*\.?"
_CAPITAL = r"[A-ZÀ-ÖØ-Þ]"
_NAME = re.compile(
    rf"\b(?:Mrs|Mr|Ms|Miss|Mx|Dr|MRS|MR|MISS)\b\.?\s+{_CAPITAL}{_REST}(?:\s+{_CAPITAL}{_REST})*"
    rf"|\b(?i:mrs|mr|miss|mister|prof|professor|revd|rev|reverend)\b\.?\s+[^\W\d_]{_REST}"
    rf"(?:\s+[^\W\d_]{_REST})?(?:\s+{_CAPITAL}{_REST})*")

KINDS: dict[str, str] = {  # kind -> marker that replaces it
    "nhs_number": "[NHS number]",
    "date_of_birth": "[date of birth]",
    "email": "[email]",
    "uk_phone": "[phone]",
    "postcode": "[postcode]",
    "ni_number": "[NI number]",
    "titled_name": "[name]",
}
# Each kind as a sentence names it ("holds what looks like an NHS number").
IDENTIFIER_NAMES = {
    "nhs_number": "an NHS number", "date_of_birth": "a date of birth", "email": "an email",
    "uk_phone": "a phone number", "postcode": "a postcode", "ni_number": "an NI number",
    "titled_name": "a titled name", "address": "an address", "untitled_name": "a name",
}
# Checked in this order, each on what the previous ones left: a date of birth before the
# phone pattern could read its digits, an email before the postcode pattern reads its domain.
_PATTERNS = {"nhs_number": _NHS, "date_of_birth": _DOB, "email": _EMAIL, "uk_phone": _PHONE,
             "postcode": _POSTCODE, "ni_number": _NI, "titled_name": _NAME}
# A hexadecimal digest (a file's SHA-256) is not typed by anyone and holds no identifier;
# a run of digits alone is not one (NHS numbers typed one after another).
_DIGEST = re.compile(r"[0-9a-f]{32,}")
# Every identifier has a digit, an @ or a title: most values have none and are skipped fast.
_MAYBE = re.compile(r"\d|@|(?i:\b(?:mrs|mr|ms|miss|mx|dr|mister|prof|professor|revd|rev"
                    r"|reverend)\b)")
# For DuckDB's RE2, the values worth passing to `redact`: any non-ASCII value, and any ASCII
# one where a pattern above, without its lookarounds and narrowings, matches. In ASCII text
# Python's \d, \s and case folding mean what these classes do (\s spelt out: Python's holds
# \v and \x1c-\x1f too), so a value left out is one `redact` leaves as it is.
_S = r"[\t-\r\x1c-\x1f ]"
SQL_MAY_HOLD_IDENTIFIER = "|".join([
    r"[^\x00-\x7f]",
    rf"\d(?:(?:{_S}|[./_:-]){{0,3}}\d){{9}}",  # NHS number
    r"(?i:d\.?o\.?b|date of birth|born|b\.)",  # date of birth
    "@",  # email
    rf"[1-9](?:(?:{_S}|[)._-]){{0,2}}\d){{8}}",  # phone
    rf"[A-Za-z]\d[A-Za-z\d]?(?:{_S}|[._-]){{0,3}}\d[A-Za-z]{{2}}",  # postcode
    rf"(?:^|[^A-Za-z0-9])[A-Za-z]{{2}}(?:(?:{_S}|[._-]){{0,2}}\d{{2}}){{3}}(?:{_S}|[._-]){{0,2}}"
    r"[A-Da-d]",  # NI number
    rf"(?i:mrs|mr|ms|miss|mx|dr|mister|prof|professor|revd|rev|reverend)\.?{_S}+[A-Za-z]",
])


def is_valid_nhs_number(candidate: str) -> bool:
    """Modulus 11 check of a 10-digit NHS number (anything but digits ignored)."""
    digits = [int(c) for c in candidate if c.isdigit()]
    if len(digits) != 10:
        return False
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == digits[9]


def _holds_no_date(match: re.Match) -> bool:
    return not any(date.start() < match.end() and match.start() < date.end()
                   for date in _DATE.finditer(match.string))


# What a match of a pattern must also pass to be that identifier.
_CHECKS = {"nhs_number": lambda match: is_valid_nhs_number(match.group(0)),
           "uk_phone": _holds_no_date}


def _marked_if(check, marker: str, match: re.Match) -> str:
    return marker if check(match) else match.group(0)


@dataclass(frozen=True)
class Redacted:
    text: str
    kinds: tuple[str, ...]  # kinds found, in KINDS order, each once


def redact(text: str) -> Redacted:
    """`text` with every identifier replaced by its marker, and the kinds found."""
    if not _MAYBE.search(text) or (_DIGEST.fullmatch(text) and not text.isdigit()):
        return Redacted(text, ())
    found = []
    for kind, pattern in _PATTERNS.items():
        check = _CHECKS.get(kind)
        new = pattern.sub(KINDS[kind], text) if check is None else pattern.sub(
            partial(_marked_if, check, KINDS[kind]), text)
        if new != text:
            found.append(kind)
            text = new
    return Redacted(text, tuple(found))


def find_identifiers(text: str) -> list[str]:
    """Kinds of identifier present in `text`."""
    return list(redact(text).kinds)
