"""Untitled names typed into a field that is not free text ("Jane Smith", "June Long Ward 7"),
told apart from places named after people and plants ("Willow Ward", "Florence Nightingale
Ward") as the word screen tells them (dbt macro holds_a_name, whose common given names and
places' words are read from its file here, so the two lists never differ).

A given name next to a capitalised word is a name, unless it begins a place's name: a place's
word follows it directly or after lower-case words only ("St Aidan's Hospital"), or after up
to three words where the trust names a place so (`places`, from `place_phrases` of its
reference data).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from functools import cache

from pipelines.lib.settings import DBT_PROJECT_DIR

_MACROS = DBT_PROJECT_DIR / "macros" / "mask_unlisted_words.sql"


@cache
def _lists() -> tuple[frozenset[str], re.Pattern]:
    text = _MACROS.read_text(encoding="utf-8")
    names = ast.literal_eval(re.search(r"set names = (\[.*?\])", text, re.S).group(1))
    body = re.search(r"macro place_words\(\) -%\}(.*?)\{%-? endmacro", text, re.S).group(1)
    place_words = re.sub(r"\{\{- '' -\}\}|\s", "", body)
    return frozenset(names), re.compile(place_words)


def _tokens(value: str) -> list[str]:
    """Runs of letters and digits (the macro's words); what stands between them is a gap."""
    return re.findall(r"[^\W_]+", value)


def _place_end(tokens: list[str], start: int, lower_only: bool) -> int | None:
    """Where a place's name begun by the given name at `start` ends: the first place's word
    up to three words after it; None where none follows."""
    _, place_word = _lists()
    for end in range(start + 1, min(start + 5, len(tokens))):
        between = tokens[start + 1:end]
        if place_word.fullmatch(tokens[end].lower()) and all(
                t.isalpha() and (t.islower() or not lower_only) for t in between):
            return end
    return None


def _phrase(tokens: list[str]) -> str:
    return " ".join(tokens).lower()


def place_phrases(text: str) -> set[str]:
    """The phrases of a place's name that name it after someone ("florence nightingale ward"
    in "NGH Florence Nightingale Ward"), as int_publishable_words lists them."""
    given, _ = _lists()
    tokens = _tokens(text)
    return {_phrase(tokens[i:end + 1]) for i, token in enumerate(tokens)
            if token.lower() in given and (end := _place_end(tokens, i, False)) is not None}


def holds_a_name(value: str, places: Iterable[str] = ()) -> bool:
    """Whether a value holds a given name next to a capitalised word outside a place's name
    ("Jane Smith", "Bay 3 West, Aidan", "June Long Ward 7"; not "Willow Ward", "Audit June
    2024", nor "Florence Nightingale Ward" where `places` holds its phrase)."""
    given, _ = _lists()
    places = set(places)
    tokens, kept, i = _tokens(value), [], 0
    while i < len(tokens):
        if tokens[i].lower() in given:
            end = _place_end(tokens, i, False)
            if end is not None and _phrase(tokens[i:end + 1]) not in places:
                end = _place_end(tokens, i, True)
            if end is not None:
                i = end + 1
                continue
        kept.append(tokens[i])
        i += 1
    for k, token in enumerate(kept):
        if token.lower() not in given:
            continue
        before = kept[k - 1] if k else ""
        after = kept[k + 1] if k + 1 < len(kept) else ""
        if after[:1].isupper() or (before.isalpha() and before[0].isupper()
                                   and (not after or after[0].isalpha())):
            return True
    return False


def abbreviates(word: str, meaning: Iterable[str]) -> bool:
    """Whether a word of a spelling is code-like (W12, 7B) or abbreviates what the spelling
    means, as int_publishable_words reads it: the initials of one of `meaning`'s texts ("ngh"
    for Northgate General Hospital, "sah" for St Aidan's Hospital), or one of their words'
    first letter and then some of its letters in order ("kes" for Kestrel, "wd" for Ward,
    "gastro" for Gastroenterology)."""
    word = word.lower()
    if re.fullmatch(r"[a-z]{0,2}[0-9]{1,4}[a-z]{0,2}", word):
        return True
    if not re.fullmatch(r"[a-z]{2,}", word):
        return False
    pattern = re.compile(r"[^\W\d_]*".join(word))
    for text in meaning:
        tokens = [t.lower() for t in _tokens(text or "")]
        initials = "".join(t[0] for t in re.findall(r"[^\W_][\w'’]*", (text or "").lower()))
        if word == initials or any(pattern.match(t) for t in tokens):
            return True
    return False


def reads_as_a_new_name(value: str, vocabulary: set[str], meaning: Iterable[str] = ()) -> bool:
    """Whether a value holds a capitalised word that no reference list holds (`vocabulary`:
    lower-case words) and is no code or abbreviation of what the value means (`abbreviates`),
    beside another such word or after a place's word (codes between them aside): "Fall - Edna
    Clarke", "Osprey Ward Patterson", "Ward 7 SMITHERS". Such a word would enter the trust's
    reference data only because a person accepted the value; "KES WD", "Kestrel Wd", "A&E
    Majors", "Audit June 2024" hold none (a given name beside a capitalised word is
    `holds_a_name`'s)."""
    _, place_word = _lists()
    meaning = list(meaning)
    tokens = _tokens(value)

    def code(token: str) -> bool:
        return bool(re.fullmatch(r"[A-Z]{1,2}|\d+|(?=.*\d)\w{1,4}", token))

    def new(token: str) -> bool:
        return (token.isalpha() and token[0].isupper() and token.lower() not in vocabulary
                and not code(token) and not abbreviates(token, meaning))

    for i, token in enumerate(tokens):
        if not new(token):
            continue
        if i + 1 < len(tokens) and new(tokens[i + 1]):
            return True
        before = [t for t in tokens[:i] if not code(t)]
        if before and place_word.fullmatch(before[-1].lower()):
            return True
    return False
