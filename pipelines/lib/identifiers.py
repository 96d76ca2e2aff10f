"""Patterns of patient identifiers that free text can carry.

Used to guard what is published: a published mart must never hold an NHS number, email
address, phone number or postcode, whatever a mapping or model let through.
"""

from __future__ import annotations

import re

# DuckDB and Python share this regex dialect for these patterns.
PATTERNS: dict[str, str] = {
    "nhs_number": r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b",
    "email": r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b",
    "uk_phone": r"(\+44\s?|\b0)(7\d{3}|1\d{2,3}|2\d)\s?\d{3,4}\s?\d{3,4}\b",
    "postcode": r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b",
}


def is_valid_nhs_number(candidate: str) -> bool:
    """Modulus 11 check of a 10-digit NHS number (spaces and hyphens ignored)."""
    digits = [int(c) for c in candidate if c.isdigit()]
    if len(digits) != 10:
        return False
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == digits[9]


def nhs_numbers_in(text: str) -> list[str]:
    """10-digit runs in `text` whose check digit holds: ordinary numbers rarely do."""
    return [m.group(0) for m in re.finditer(PATTERNS["nhs_number"], text)
            if is_valid_nhs_number(m.group(0))]


def find_identifiers(text: str) -> list[str]:
    """Kinds of identifier present in `text`."""
    return [kind for kind, pattern in PATTERNS.items()
            if (nhs_numbers_in(text) if kind == "nhs_number" else re.search(pattern, text))]
