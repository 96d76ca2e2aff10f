"""The identifier patterns that guard what gets published."""

import datetime as dt
import random

import duckdb
import pytest

from pipelines.lib.identifiers import (
    SQL_MAY_HOLD_IDENTIFIER,
    find_identifiers,
    is_valid_nhs_number,
    redact,
)


@pytest.mark.parametrize("number, valid", [
    ("943 476 5919", True),     # NHS England's published example number
    ("9434765919", True),
    ("943-476-5919", True),
    ("9434765918", False),      # wrong check digit
    ("12345", False),
])
def test_nhs_number_check_digit(number, valid):
    assert is_valid_nhs_number(number) is valid


@pytest.mark.parametrize("text, redacted", [
    # NHS numbers with any separators, glued to letters
    ("NHS9434765919", "NHS[NHS number]"),
    ("943.476.5919", "[NHS number]"),
    ("943 476 5919", "[NHS number]"),
    ("9434765919ward", "[NHS number]ward"),
    ("Pt 943-476-5919 fell", "Pt [NHS number] fell"),
    ("943 4765 919", "[NHS number]"),
    ("94 34 76 59 19", "[NHS number]"),
    ("943\u2013476\u20135919", "[NHS number]"),
    ("943 476 591 9", "[NHS number]"),
    # ... in a file name, or grouped like years (a privacy probe's)
    ("incidents_943_476_5919.csv", "incidents_[NHS number].csv"),
    ("Ward 1930 - 2000 - 05", "Ward [NHS number]"),
    ("9434765919 9434765919", "[NHS number] [NHS number]"),
    # UK phone numbers, national and +44
    ("+44 (0)7700 900123", "[phone]"),
    ("+44 7700 900123", "[phone]"),
    ("0044 113 496 0000", "[phone]"),
    ("07700 900123", "[phone]"),
    ("0113 496 0000", "[phone]"),
    ("(0113) 496 0000", "[phone]"),
    ("020 7946 0000", "[phone]"),
    ("incidents_07700.900.124.csv", "incidents_[phone].csv"),
    ("fft_07700_900_126.csv", "fft_[phone].csv"),
    # emails, postcodes in any case, dates of birth next to DOB
    ("ring j.smith@example.nhs.uk", "ring [email]"),
    ("LS1 4AP", "[postcode]"),
    ("ls1 4ap", "[postcode]"),
    ("Bay 3 LS1-4AP", "Bay 3 [postcode]"),
    ("Lives at sw1a1aa", "Lives at [postcode]"),
    ("DOB 01/02/1950", "[date of birth]"),
    ("DOB 27 11 1930", "[date of birth]"),
    ("sjr_dob_09-03-1934.csv", "sjr_[date of birth].csv"),
    ("incidents_dob_03_04_1961.csv", "incidents_[date of birth].csv"),
    # postcodes with a dot, an underscore or an invisible space; NI numbers spaced or not
    ("Ward 7 LS1.4AP", "Ward 7 [postcode]"),
    ("fft_2026-10_wy5_6wx.csv", "fft_2026-10_[postcode].csv"),
    ("Ward 7 LS1\u200b4AP", "Ward 7 [postcode]"),
    ("Ward 7 NI QQ 12 34 56 C", "Ward 7 NI [NI number]"),
    ("jx123456d", "[NI number]"),
    # accented names after a title
    ("Mrs Siân Vasob", "[name]"),
    ("Dr Ó Vasod", "[name]"),
    ("d.o.b: 1st March 1950", "[date of birth]"),
    ("date of birth 1950-02-01", "[date of birth]"),
    ("b. 01/02/1950", "[date of birth]"),
    # titled names
    ("Bay 2 bed 4 Mrs Jane Smithson", "Bay 2 bed 4 [name]"),
    ("W5 Mr John Doeman", "W5 [name]"),
    ("Dr A. Patel", "[name]"),
    ("MRS JANE SMITHSON", "[name]"),
    ("Miss O'Neill-Hart", "[name]"),
    ("Case review mr john pemberton", "Case review [name]"),
    ("Mrs. smithson", "[name]"),
    ("Falls audit for Mister John Pemberton", "Falls audit for [name]"),
    ("Prof Albert Quennell", "[name]"),
    ("Fall - Mrs Jane Smithson ls1 4ap", "Fall - [name] [postcode]"),
    ("NHS9434765919 +44 (0)7700 900123", "NHS[NHS number] [phone]"),
])
def test_every_form_is_redacted(text, redacted):
    assert redact(text).text == redacted


@pytest.mark.parametrize("text", [
    # what the published files hold on a clean trust: ids, dates, counts, codes, digests
    "Ward 7B, 12 incidents in 2025-03", "Reference 1234567890", "2026-12-02 10:09",
    "01/02/1950 12:30", "fft_2026-10-31.csv", "2024.01.15",
    "INC0000005", "70010491", "W31000", "CA-2026-005", "COM-2025-0038", "LOC-W7B",
    "deterioration_sepsis", "NEWS2 observations", "per 1,000 occupied bed days",
    "IR(ME)R exposure", "Hospital-onset COVID-19", "0.25", "12345678901", "999 123 4567",
    "MS Clinic", "DR room 2", "2024/25", "Re-audit: NEWS2 observations and escalation 2026/2",
    "58902ae9442facf79cc95170807a92b9c16b2810c94347659191234567890aa",
    "Falls at Ward 12: 3 of 5 sources signalling", "\\bfell\\b|\\bfalls?\\b",
    "Sir Walter Scott Ward", "Master patient index audit",
])
def test_ordinary_values_are_left_alone(text):
    assert redact(text) == redact(text).__class__(text, ())


@pytest.mark.parametrize("layout", ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f", "%H:%M %Y-%m-%d",
                                    "%d-%m-%Y %H:%M", "%d %m %Y %H:%M", "%H:%M %d-%m-%Y",
                                    "%Y-%m-%d %H.%M"])
def test_no_date_and_time_reads_as_an_nhs_or_phone_number(layout):
    """Every hour of a year, written as exports and published timestamps write it: the first ten
    digits of "2026-12-07 14:32" pass the NHS number's check digit (one hour in eleven did), and
    "09-12-2026 13:07" is 0 and nine digits, a phone number's shape."""
    hours = (dt.datetime(2026, 1, 1, 0, 7, 3, 645215) + dt.timedelta(hours=h) for h in range(8760))
    assert [text for text in (hour.strftime(layout) for hour in hours)
            if find_identifiers(text)] == []


@pytest.mark.parametrize("layout", ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y.%m.%d"])
@pytest.mark.parametrize("join", ["_", "__", " ", "-", " - ", "."])
def test_no_range_of_two_dates_reads_as_a_phone_number(layout, join):
    """An export's period in its file name ("incidents_2024-12-01_2026-12-06.csv"): the first
    date's day and the second date read as 0 and nine digits (every such range did), and so
    did the first date and the second's day ("09-12-2025 08-12-2026")."""
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=d) for d in range(366)]
    names = (f"incidents_{start:{layout}}{join}{start + dt.timedelta(days=length):{layout}}.csv"
             for start in days for length in (0, 1, 30, 364, 800))
    assert [name for name in names if find_identifiers(name)] == []
    # Phone numbers beside a date or a year are still found.
    assert find_identifiers(f"rang 07700 900123 on {days[40]:{layout}}") == ["uk_phone"]
    assert redact(f"fft_{days[40]:{layout}}_07700900123.csv").text \
        == f"fft_{days[40]:{layout}}_[phone].csv"
    assert redact("fft_2026_07700 900123.csv").text == "fft_2026_[phone].csv"


def test_find_identifiers_names_each_kind_once():
    assert find_identifiers("943 476 5919 and 943.476.5919, Mr Smith, 07700 900123") == [
        "nhs_number", "uk_phone", "titled_name"]


def _mutants(values: list[str], count: int, seed: int) -> list[str]:
    """Each a value with one to four random edits (a character deleted, its case swapped, or
    a piece inserted: a separator, any ASCII space, a non-ASCII digit, space or letter, a
    digit run, a title, a DOB word), so they sit on both sides of every pattern's edge."""
    pieces = [" ", "  ", ".", "-", "/", ")", "(", ":", "@", "+", "\t", "\n", "\v", "\x1c",
              "\x1f", "\u00a0", "\u2009", "\u0663", "\u00e9", "\u212a", "Mr ", "Dr", "DOB ",
              "born ", "Ms", "x", "Z"]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = rng.choice(values)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            edit = rng.randrange(4)
            if edit == 0 and text:
                text = text[:at - 1] + text[at:] if at else text[1:]
            elif edit == 1 and at < len(text):
                text = text[:at] + text[at].swapcase() + text[at + 1:]
            else:
                inserted = rng.choice(pieces) if edit == 2 else str(rng.randrange(10 ** 4))
                text = text[:at] + inserted + text[at:]
        out.append(text)
    return out


IDENTIFIERS = [case[0] for case in test_every_form_is_redacted.pytestmark[0].args[1]]
ORDINARY = test_ordinary_values_are_left_alone.pytestmark[0].args[1]


def test_the_sql_prefilter_keeps_every_value_redact_would_change():
    """The publishing guard reads in Python only the values DuckDB finds with
    SQL_MAY_HOLD_IDENTIFIER: a value it leaves out must be one redact leaves alone."""
    values = IDENTIFIERS + ORDINARY + _mutants(IDENTIFIERS + ORDINARY, 30_000, seed=7)
    con = duckdb.connect()
    kept = {value for value, in con.execute(
        "select v from unnest(?) as t(v) where regexp_matches(v, ?)",
        [values, SQL_MAY_HOLD_IDENTIFIER]).fetchall()}
    changed = [v for v in values if redact(v).kinds]
    # Mutants on both sides of the edge: many keep an identifier, many lose it.
    assert 5_000 < len(changed) < 25_000
    assert [v for v in changed if v not in kept] == []
    # ... and it is a filter: most ordinary values are left out.
    ordinary = ["INC0000005", "CA-2026-005", "Ward 7B", "LOC-W7B", "0.25", "falls"]
    assert not kept & set(ordinary) and con.execute(
        "select count(*) from unnest(?) as t(v) where regexp_matches(v, ?)",
        [ordinary, SQL_MAY_HOLD_IDENTIFIER]).fetchone() == (0,)
