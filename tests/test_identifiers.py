"""The identifier patterns that guard what gets published."""

import pytest

from pipelines.lib.identifiers import find_identifiers, is_valid_nhs_number, redact


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
    # UK phone numbers, national and +44
    ("+44 (0)7700 900123", "[phone]"),
    ("+44 7700 900123", "[phone]"),
    ("0044 113 496 0000", "[phone]"),
    ("07700 900123", "[phone]"),
    ("0113 496 0000", "[phone]"),
    ("(0113) 496 0000", "[phone]"),
    ("020 7946 0000", "[phone]"),
    # emails, postcodes in any case, dates of birth next to DOB
    ("ring j.smith@example.nhs.uk", "ring [email]"),
    ("LS1 4AP", "[postcode]"),
    ("ls1 4ap", "[postcode]"),
    ("Lives at sw1a1aa", "Lives at [postcode]"),
    ("DOB 01/02/1950", "[date of birth]"),
    ("d.o.b: 1st March 1950", "[date of birth]"),
    ("date of birth 1950-02-01", "[date of birth]"),
    # titled names
    ("Bay 2 bed 4 Mrs Jane Smithson", "Bay 2 bed 4 [name]"),
    ("W5 Mr John Doeman", "W5 [name]"),
    ("Dr A. Patel", "[name]"),
    ("MRS JANE SMITHSON", "[name]"),
    ("Miss O'Neill-Hart", "[name]"),
    ("Fall - Mrs Jane Smithson ls1 4ap", "Fall - [name] [postcode]"),
    ("NHS9434765919 +44 (0)7700 900123", "NHS[NHS number] [phone]"),
])
def test_every_form_is_redacted(text, redacted):
    assert redact(text).text == redacted


@pytest.mark.parametrize("text", [
    # what the published files hold on a clean trust: ids, dates, counts, codes, digests
    "Ward 7B, 12 incidents in 2025-03", "Reference 1234567890", "2026-12-02 10:09",
    "INC0000005", "70010491", "W31000", "CA-2026-005", "COM-2025-0038", "LOC-W7B",
    "deterioration_sepsis", "NEWS2 observations", "per 1,000 occupied bed days",
    "IR(ME)R exposure", "Hospital-onset COVID-19", "0.25", "12345678901", "999 123 4567",
    "MS Clinic", "DR room 2", "2024/25", "Re-audit: NEWS2 observations and escalation 2026/2",
    "58902ae9442facf79cc95170807a92b9c16b2810c94347659191234567890aa",
    "Falls at Ward 12: 3 of 5 sources signalling", "\\bfell\\b|\\bfalls?\\b",
])
def test_ordinary_values_are_left_alone(text):
    assert redact(text) == redact(text).__class__(text, ())


def test_find_identifiers_names_each_kind_once():
    assert find_identifiers("943 476 5919 and 943.476.5919, Mr Smith, 07700 900123") == [
        "nhs_number", "uk_phone", "titled_name"]
