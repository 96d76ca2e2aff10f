"""The identifier patterns that guard what gets published."""

import pytest

from pipelines.lib.identifiers import find_identifiers, is_valid_nhs_number


@pytest.mark.parametrize("number, valid", [
    ("943 476 5919", True),     # NHS England's published example number
    ("9434765919", True),
    ("943-476-5919", True),
    ("9434765918", False),      # wrong check digit
    ("12345", False),
])
def test_nhs_number_check_digit(number, valid):
    assert is_valid_nhs_number(number) is valid


@pytest.mark.parametrize("text, kinds", [
    ("Patient 943 476 5919 fell", ["nhs_number"]),
    ("Ring 07700 900123 or mail j.smith@example.nhs.uk", ["email", "uk_phone"]),
    ("Lives at LS1 4AB", ["postcode"]),
    ("Ward 7B, 12 incidents in 2025-03", []),
    ("Reference 1234567890", []),  # ten digits that fail the modulus 11 check
])
def test_find_identifiers(text, kinds):
    assert sorted(find_identifiers(text)) == kinds
