"""A draft mapping for an export: the shipped template whose columns it holds most of (for a
file in a source's folder, that source's nearest template even when none fits), its columns
matched by name (ignoring case, spaces and punctuation), then the template's fields the file
lacks matched by name similarity and content (dates, ids, yes/no, harm grades, ward-like
strings, free text), then a required field or the free text still unmatched given the one
column whose content fits it. Every guess carries the reason a reviewer checks."""

from __future__ import annotations

import difflib
import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.lib.canonical import (
    BOOLEAN,
    DATE,
    ENUM,
    INTEGER,
    LIST,
    NUMBER,
    STRING,
    TEXT,
    TIMESTAMP,
)
from pipelines.lib.mapping import Mapping, header_key, normalise, parse_mapping
from pipelines.lib.settings import TEMPLATES_DIR
from pipelines.onboard.inspect import ColumnProfile, FileProfile
from pipelines.onboard.review import identifying

# Which column contents can hold a field of each kind.
_CONTENT_FITS = {
    DATE: {"date", "timestamp"}, TIMESTAMP: {"timestamp", "date"}, BOOLEAN: {"yes_no"},
    TEXT: {"free_text", "text"}, ENUM: {"code", "yes_no"}, LIST: {"code", "text"},
    INTEGER: {"number"}, NUMBER: {"number"},
    # A site, location or directorate is never a column of numbers ("Score" was drafted as
    # an FFT export's site, leaving its 1-6 answers without a column).
    STRING: {"code", "text", "ward"},
}
MIN_TEMPLATE_MATCHES = 2  # fewer columns in common: the layout is not this template's
MIN_GUESS_SCORE = 0.55
_KNOWN_CODES_SHARE = 0.8  # of a column's values, for it to be a field's code list
# Abbreviations export headers use, spelt out before names are compared ("DOD", "Our Ref").
_ABBREVIATIONS = {"ref": "reference", "dod": "date of death", "no": "number", "num": "number",
                  "desc": "description", "loc": "location", "dt": "date",
                  "ld": "learning disability", "div": "division"}
# Words exports use for what a template's header calls otherwise, compared as the template's
# word ("Verdict" is a "Conclusion", "Ward / Dept" and "Area" a "Location").
_SYNONYMS = {"verdict": "conclusion", "result": "outcome", "area": "location",
             "ward": "location", "dept": "location", "department": "location",
             "hospital": "site", "division": "directorate",
             "theme": "subject", "topic": "subject", "well": "good", "better": "improved",
             "improve": "improved"}
# Words that do not change what a header names ("Date of Event" is the "Event Date", "What
# went well?" asks "What was good?").
_FILLER = {"of", "the", "on", "at", "by", "for", "a", "an", "s", "was", "were", "is", "went"}
# Mean length of a column's values from which they read as sentences, not codes: such a
# column may be a text field's, and is a weaker guess for a short field (site, type, area).
_SENTENCE_LENGTH = 25
_SENTENCE_PENALTY = 0.1
# Of a column's values, the share one value may hold before the column says nothing about
# where a record happened ("Reviewed by ward manager" on every row is no location).
_CONSTANT_SHARE = 0.95
# Added to a ward-like column's name similarity for the location: its content outranks
# another column's weak likeness of name.
_WARD_CONTENT_SCORE = 0.5
_ID_FIELDS = ("incident_id", "complaint_id", "response_id", "review_id", "case_reference",
              "audit_id", "claim_reference")
# A header whose last word, spelt out, is one of these names an identifier ("Ref No", "Case
# Number", "Incident No.", "Datix ID") ...
_ID_WORDS = {"id", "identifier", "reference", "number"}
# ... but not the record's when it is a person's ("NHS No", "Hospital Number") or a way to
# reach one ("Phone No"). A count ("No. of patients") ends with what it counts.
_NOT_THE_RECORDS = {"nhs", "patient", "hospital", "staff", "employee", "phone", "telephone",
                    "tel", "mobile", "fax", "contact", "extension"}
# Added to a header's similarity to the id column when it names an identifier: enough alone
# to guess it, and those more like the template's id column ("Complaint No") ranked first.
_ID_NAME_SCORE = MIN_GUESS_SCORE


@dataclass
class Proposal:
    """A draft mapping for one export layout, with what a reviewer must check."""

    files: list[Path]
    layout: FileProfile
    template: Mapping | None
    spec: dict = field(default_factory=dict)
    guesses: dict[str, str] = field(default_factory=dict)  # field -> why it was guessed
    undecided: list[str] = field(default_factory=list)  # what a person must decide
    unmapped_values: dict[str, int] = field(default_factory=dict)  # field -> values not mapped
    # field -> {value as exported: (canonical value, why)}: near-misses drafted under `values:`
    value_guesses: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)

    @property
    def source(self) -> str | None:
        return self.template.source if self.template else None


def templates() -> list[Mapping]:
    return [parse_mapping(p) for p in sorted(TEMPLATES_DIR.glob("*.yml"))]


def choose_template(layout: FileProfile, candidates: list[Mapping],
                    source_hint: str | None) -> tuple[Mapping | None, int]:
    """The template whose columns the file's header holds most of (required fields count
    double), a header shared word for word weighing by its words (a shared "What was good?"
    says more than a shared "Ward name"), then the closest likeness of the other headers;
    limited to the folder's source when the file sits in a source folder."""
    def score(template: Mapping) -> tuple[int, float, float, int]:
        hits = {name: column for name, column in template.read_columns()
                if any(same_name(c.name, column) for c in layout.columns)}
        weight = sum(len(_word_set(column)) for column in hits.values())
        likeness = sum(max((_name_score(c.name, column) for c in layout.columns), default=0)
                       for name, column in template.read_columns() if name not in hits)
        return (len(hits) + len(set(hits) & set(template.entity.required)) + weight,
                likeness, -len(template.read_columns()))

    pool = [t for t in candidates if source_hint in (None, t.source)]
    if not pool:
        return None, 0
    best = max(pool, key=score)
    return best, sum(1 for _, column in best.read_columns()
                     if any(same_name(c.name, column) for c in layout.columns))


def propose(files: list[Path], layout: FileProfile, source_hint: str | None,
            candidates: list[Mapping], raw_root: Path) -> Proposal:
    template, hits = choose_template(layout, candidates, source_hint)
    if hits < MIN_TEMPLATE_MATCHES and source_hint is None:
        template = None  # nothing says which source the file holds
    proposal = Proposal(files, layout, template)
    if template is None:
        proposal.undecided.append(
            f"{_names(files, raw_root)}: no shipped template shares {MIN_TEMPLATE_MATCHES} "
            "columns with it; write its mapping from the nearest template in "
            "mappings/templates/")
        return proposal
    if hits < MIN_TEMPLATE_MATCHES:
        # Its folder names the source: draft from that source's nearest template, every
        # column matched by content and name for the reviewer to check.
        proposal.guesses["(template)"] = (
            f"no shipped template shares {MIN_TEMPLATE_MATCHES} columns with it: drafted from "
            f"{template.path.name}, every column guessed; check each one")
    spec = yaml.safe_load(template.path.read_text(encoding="utf-8"))
    spec.pop("template", None)
    spec["files"] = [_glob(files, raw_root)]
    if layout.sheet:
        spec["sheet"] = layout.sheet
    if layout.header_row:
        spec["header_row"] = layout.header_row
        proposal.guesses["header_row"] = (f"the header is row {layout.header_row}; the rows "
                                          "above it look like a title")
    by_key = {header_key(c.name): c for c in layout.columns}
    taken = {header_key(column) for _, column in template.read_columns()
             if header_key(column) in by_key}
    columns, optional = dict(spec.get("columns") or {}), set(spec.get("optional_columns") or ())
    unmatched = []
    for name, column in list(columns.items()):
        if isinstance(column, list):
            present = [c for c in column if header_key(c) in by_key]
            if present:
                columns[name] = present if len(present) > 1 else present[0]
                continue
        elif header_key(column) in by_key:
            columns[name] = by_key[header_key(column)].name  # the file's own spelling
            continue
        unmatched.append(name)
    same_source = [t for t in candidates if t.source == template.source]
    guessed: dict[str, tuple[ColumnProfile, str]] = {}
    # A header naming the field in other words ("Date of Event" for "Event Date", "Verdict"
    # for "Conclusion") first, whatever its content looks like; then the required fields,
    # each by name and content, then as the one column whose content fits (the only column
    # of 1-6 answer codes); then the optional ones, offered first to the fields the template
    # expects (FFT: the improve comment).
    guessers = (lambda name: _named_alike(template, name, columns[name], layout, taken),
                lambda name: _guess(template, name, columns[name], layout, taken),
                lambda name: _only_fit(template, name, layout, taken, same_source))
    required = [name for name in unmatched if name not in optional]
    rounds = [(unmatched, guessers[:1])] + [
        (names, guessers[1:]) for names in (required, [n for n in unmatched if n in optional])]
    for names, round_guessers in rounds:
        for guesser in round_guessers:
            for name in names:
                guess = None if name in guessed else guesser(name)
                if guess is not None:
                    guessed[name] = guess
                    taken.add(header_key(guess[0].name))
    for name in unmatched:
        if name in guessed:
            columns[name] = guessed[name][0].name
            proposal.guesses[name] = guessed[name][1]
        elif name in template.entity.required:
            columns[name] = "REVIEW: which column?"
            proposal.undecided.append(f"{_names(files, raw_root)}: no column found for the "
                                      f"required field {name}")
        else:
            del columns[name]
            optional.discard(name)
    spec["columns"] = columns
    _derived_present(spec, by_key, proposal, files, raw_root)
    spec["optional_columns"] = sorted(optional & set(columns)) or None
    _date_formats(spec, template, columns, layout, proposal)
    _list_separator(spec, template, columns, layout, proposal)
    _value_gaps(spec, template, columns, layout, proposal, same_source)
    proposal.spec = {k: v for k, v in spec.items() if v is not None}
    leftover = [c.name for c in layout.columns if header_key(c.name) not in taken
                and c.name not in _mapped_headers(proposal.spec)]
    if leftover:
        proposal.guesses["(unread columns)"] = (f"{len(leftover)} columns are not read: "
                                                f"{', '.join(leftover)}")
    return proposal


def _mapped_headers(spec: dict) -> set[str]:
    headers = set()
    for column in (spec.get("columns") or {}).values():
        headers.update(column if isinstance(column, list) else [column])
    for rule in (spec.get("derived") or {}).values():
        headers.update(filter(None, (rule.get("if_list"), rule.get("then"))))
    return headers


def _targets(name: str, column: str | list[str]) -> list[str]:
    """What a field's header may be like: the template's column(s) (a field may read several:
    Subject 1, Subject 2 ...) and the field's own name."""
    return [*(column if isinstance(column, list) else [column]), name]


def _named_alike(template: Mapping, name: str, column: str | list[str], layout: FileProfile,
                 taken: set[str]) -> tuple[ColumnProfile, str] | None:
    """The untaken column whose header names the field in other words. Its content need
    not look like the field's (a comment column of a few repeated answers reads as codes),
    but a date, number or yes/no field still needs a column that holds them."""
    kind = template.entity.field(name).kind
    strict = _CONTENT_FITS[kind] if kind in (DATE, TIMESTAMP, INTEGER, NUMBER, BOOLEAN) else None
    for candidate in layout.columns:
        if header_key(candidate.name) in taken or (strict and candidate.kind not in strict):
            continue
        target = next((t for t in _targets(name, column) if same_name(candidate.name, t)), None)
        if target is not None:
            return candidate, (f"guessed: {candidate.name!r} names the template's {target!r} "
                               "in other words")
    return None


def _fits(name: str, kind: str, candidate: ColumnProfile) -> bool:
    """Whether a column's content can hold the field: an id field only ids; a text field
    free text or a few phrases repeated (FFT comments read as codes by their count); a
    location never a column of one repeated value."""
    if name in _ID_FIELDS:
        return candidate.kind == "id"
    if kind == TEXT:
        return candidate.kind == "text" or _sentences(candidate) or _phrases(candidate)
    if name == "location" and (candidate.kind not in ("ward", "code", "text") or _constant(
            candidate)):
        return False
    return candidate.kind in _CONTENT_FITS.get(kind, {candidate.kind})


def _sentences(candidate: ColumnProfile) -> bool:
    """Free text, or a few sentences repeated (which read as codes by their count alone)."""
    return candidate.kind == "free_text" or (
        candidate.kind in ("code", "text", "ward") and candidate.mean_length >= _SENTENCE_LENGTH)


def _phrases(candidate: ColumnProfile) -> bool:
    """Values mostly of several words ("Food was cold", "Long wait")."""
    words = [len(value.split()) for value in candidate.values]
    return bool(words) and sum(n >= 2 for n in words) >= 0.5 * len(words)


def _constant(candidate: ColumnProfile) -> bool:
    return bool(candidate.counts) and candidate.counts[0] >= _CONSTANT_SHARE * candidate.filled


def _guess(template: Mapping, name: str, column: str, layout: FileProfile,
           taken: set[str]) -> tuple[ColumnProfile, str] | None:
    """The untaken column most like the field by name, among those whose content fits."""
    kind = template.entity.field(name).kind
    best, best_rank, best_score = None, (False, 0.0), 0.0
    for candidate in layout.columns:
        if header_key(candidate.name) in taken or not _fits(name, kind, candidate):
            continue
        similarity = max(_name_score(candidate.name, t) for t in _targets(name, column))
        content = _WARD_CONTENT_SCORE if (name == "location" and candidate.kind == "ward") \
            else -_SENTENCE_PENALTY if kind != TEXT and _sentences(candidate) else 0.0
        if name in _ID_FIELDS and _names_an_id(candidate.name):
            content = _ID_NAME_SCORE
        score = similarity + content
        if score < MIN_GUESS_SCORE:
            continue
        # A record's id is in every row and never repeats: a fully filled, unique column
        # outranks one more like the id by name (a claims listing's "Trust Incident Ref",
        # filled for 1 claim in 5, is no claim reference beside its "NHSR Ref No").
        rank = (name in _ID_FIELDS and _complete_and_unique(candidate), score)
        if rank > best_rank:
            best, best_rank, best_score = candidate, rank, score
    if best is None:
        return None
    named = "a name naming an identifier" if name in _ID_FIELDS and _names_an_id(best.name) \
        else "a similar name"
    return best, (f"guessed: the template's {column!r} is not in the file; {best.name!r} is "
                  f"{best.kind.replace('_', ' ')} with {named} (score {best_score:.2f})")


def _complete_and_unique(candidate: ColumnProfile) -> bool:
    return candidate.rows > 0 and candidate.filled == candidate.rows and \
        candidate.distinct == candidate.filled


def _words(header: str) -> list[str]:
    """A header's words, its abbreviations spelt out ("Ref. No." reads reference number)."""
    words = re.findall(r"[a-z0-9]+", header.lower())
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words).split()


def _spelt_out(header: str) -> str:
    return header_key(" ".join(_words(header)))


def _word_set(header: str) -> frozenset[str]:
    """What a header names, whatever its word order, fillers, plurals or synonyms: "Date of
    Event" and "Event Date", "Verdict" and "Conclusion" are one name."""
    words = (w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
             for w in _words(header.replace("_", " ")) if w not in _FILLER)
    return frozenset(_SYNONYMS.get(w, w) for w in words)


def same_name(header: str, column: str) -> bool:
    """Whether an export's header names the template's column: equal ignoring case and
    punctuation, or the same words in another order or spelling (`_word_set`)."""
    return header_key(header) == header_key(column) or bool(
        _word_set(header)) and _word_set(header) == _word_set(column)


def _name_score(header: str, target: str) -> float:
    """How alike a header and a template's column (or field name) are, 0..1."""
    if same_name(header, target):
        return 1.0
    ratio = difflib.SequenceMatcher(None, _spelt_out(header), header_key(target)).ratio()
    # Every word of a field's name in the header, in any order, with a word more ("Admission
    # Phase Score" holds score_admission's, "Avoidability Score" avoidability's).
    words, named = _word_set(header), _word_set(target)
    if named and named < words and len(words - named) == 1 and (
            len(named) > 1 or len(next(iter(named))) >= _MIN_WORD_FOR_SUBSET):
        return max(ratio, _SUBSET_SCORE)
    return ratio


_SUBSET_SCORE = 0.8
_MIN_WORD_FOR_SUBSET = 6  # a one-word name this long ("avoidability", not "site")


def _names_an_id(header: str) -> bool:
    words = _words(header)
    return bool(words) and words[-1] in _ID_WORDS and not _NOT_THE_RECORDS & set(words)


def _only_fit(template: Mapping, name: str, layout: FileProfile, taken: set[str],
              same_source: list[Mapping]) -> tuple[ColumnProfile, str] | None:
    """For a required field or the free text, the one untaken column whose content fits (the
    only id, date or free-text column, the only column of codes the source's templates map
    ...), whatever its name ("DOD", "SurveyID", "Tell us why you gave this answer")."""
    entity_field = template.entity.field(name)
    if name in _ID_FIELDS:
        fits = {"id"}
    elif entity_field.kind == TEXT:
        fits = {"free_text"}
    elif name in template.entity.required:
        fits = _CONTENT_FITS.get(entity_field.kind)
    else:
        return None
    untaken = [c for c in layout.columns if header_key(c.name) not in taken]
    if entity_field.kind == ENUM:  # the column holding the codes some template maps
        known = {normalise(v) for v in entity_field.values} | {
            normalise(code) for t in same_source for code in t.values.get(name, {})}
        labels = value_labels(name, entity_field.values, [template, *same_source])
        # A near-miss of a code ("Poorly" for poor) is one of the field's codes too.
        fitting = [c for c in untaken if c.values and sum(
            normalise(v) in known or near_miss(v, labels, name) is not None
            for v in c.values) >= _KNOWN_CODES_SHARE * len(c.values)]
    else:
        fitting = [c for c in untaken if c.kind in (fits or ())]
        if name in _ID_FIELDS and len(fitting) > 1:  # the one in every row, never repeated
            fitting = [c for c in fitting if _complete_and_unique(c)]
    if len(fitting) != 1:
        return None
    what = (f"column of {name} codes the templates map" if entity_field.kind == ENUM
            else f"{fitting[0].kind.replace('_', ' ')} column")
    return fitting[0], f"guessed: the only {what} not read already"


def _derived_present(spec: dict, by_key: dict, proposal: Proposal, files, raw_root) -> None:
    for name, rule in list((spec.get("derived") or {}).items()):
        needed = [c for c in (rule.get("if_list"), rule.get("then")) if c]
        if all(header_key(c) in by_key for c in needed):
            rule.update({k: by_key[header_key(rule[k])].name
                         for k in ("if_list", "then") if rule.get(k)})
        else:
            del spec["derived"][name]
            proposal.undecided.append(f"{_names(files, raw_root)}: {name} is derived from "
                                      f"{' + '.join(needed)}, which the file lacks")


def _date_formats(spec, template, columns, layout, proposal) -> None:
    """The formats of the date columns read, each as date_format or timestamp_format by
    whether it holds a time (the loader reads a date field in either): a file with an
    "07-Mar-2024" event date and ISO date-times reported keeps both."""
    formats = {}
    for name, column in columns.items():
        kind = template.entity.field(name).kind
        if kind in (DATE, TIMESTAMP) and isinstance(column, str):
            profile = next((c for c in layout.columns if c.name == column), None)
            if profile is not None and profile.date_format:
                slot = TIMESTAMP if "%H" in profile.date_format else DATE
                formats.setdefault(slot, []).append(profile.date_format)
    for kind, key in ((DATE, "date_format"), (TIMESTAMP, "timestamp_format")):
        found = formats.get(kind)
        if found:
            chosen = max(found, key=found.count)  # a tie: the first field's (required first)
            if chosen != spec.get(key):
                proposal.guesses[key] = f"read from the file's dates: {chosen}"
            spec[key] = chosen
            if "%y" in chosen:
                spec["two_digit_year_pivot"] = 70
                proposal.guesses["two_digit_year_pivot"] = ("two-digit years: 00-69 read as "
                                                            "20xx, 70-99 as 19xx; check")


# Of a list column's values, the share that must hold a separator for it to be the list's.
_SEPARATOR_SHARE = 0.1


def _list_separator(spec, template, columns, layout, proposal) -> None:
    """The separator the list columns read use ("Communication, Staff attitude"), from their
    values: the one most values hold, when it is not the template's."""
    shares: dict[str, float] = {}
    for name, column in columns.items():
        if template.entity.field(name).kind != LIST or not isinstance(column, str):
            continue
        profile = next((c for c in layout.columns if c.name == column), None)
        for sep, share in (profile.separators if profile else ()):
            shares[sep] = shares.get(sep, 0.0) + share
    if not shares:
        return
    sep, share = max(shares.items(), key=lambda item: item[1])
    current = spec.get("list_separator", ";")
    if share >= _SEPARATOR_SHARE and sep != current and share > shares.get(current, 0.0):
        spec["list_separator"] = sep
        proposal.guesses["list_separator"] = (f"read from the list column's values: "
                                              f"{sep!r} separates them")


def _value_gaps(spec, template, columns, layout, proposal, same_source=()) -> None:
    """Enum values the file holds that neither the template's value map nor the canonical
    values cover: a clear near-miss of one canonical value (`near_miss`) is drafted under
    `values:` (marked REVIEW); the others are counted here (listed in the review file by
    `triangulate check`)."""
    for name, column in columns.items():
        entity_field = template.entity.field(name)
        if entity_field.kind != ENUM or not isinstance(column, str):
            continue
        profile = next((c for c in layout.columns if c.name == column), None)
        if profile is None:
            continue
        known = set(template.values.get(name, {})) | {normalise(v) for v in entity_field.values}
        missing = [v for v in profile.values if normalise(v) not in known]
        labels = value_labels(name, entity_field.values, [template, *same_source])
        still = []
        for value in missing:
            guess = None if identifying(value) else near_miss(value, labels, name)
            if guess is None:
                still.append(value)
                continue
            canonical, label = guess
            values = dict(spec.get("values") or {})
            values[name] = {**(values.get(name) or {}), value: canonical}
            spec["values"] = values
            point = scale_point(value)
            how = (f"is point {point} of the scale, {label!r}" if point is not None else
                   f"reads as {label!r} (case, punctuation or word form aside)")
            proposal.value_guesses.setdefault(name, {})[value] = (
                canonical, f"guessed: {value!r} {how}; no other {name} value is as near")
        if still:
            proposal.unmapped_values[name] = len(still)


# Words that carry no meaning of a coded value ("Closed - and resolved" is "closed resolved").
_VALUE_FILLER = {"and", "the", "of", "a", "an"}
# Word endings set aside before comparing values' words: "Partly" is "partially"'s form.
_WORD_ENDINGS = ("ly", "ing", "ed", "es", "s", "e")
# A word this long or longer, all of which begins the other, is its short form ("part").
_MIN_SHARED_STEM = 4


def value_labels(name: str, canonical: tuple[str, ...], maps: list[Mapping]) -> dict[str, str]:
    """What each of a field's canonical values is written as: itself ("partially upheld"
    for partially_upheld) and the exported spellings the templates map to it."""
    labels = {v: v for v in canonical}
    for mapping in maps:
        for label, target in (mapping.values.get(name) or {}).items():
            if target is not None:
                labels.setdefault(label, target)
    return labels


def _stem(word: str) -> str:
    for ending in _WORD_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return _stem(word[:-len(ending)]) if ending != "e" else word[:-1]
    return word


def _value_words(text: str, field_name: str) -> list[str]:
    """A value's words, stemmed, without filler or the words of the field's own name ("Moderate
    Harm" of physical_harm is "moderat")."""
    own = set(field_name.split("_"))
    words = re.findall(r"[a-z0-9]+", text.casefold().replace("'", "").replace("\u2019", "")
                       .replace("&", " and ").replace("_", " "))
    return [_stem(w) for w in words if w not in _VALUE_FILLER and w not in own]


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) >= _MIN_SHARED_STEM and long.startswith(short) and not short.isdigit()


def _same_words(a: list[str], b: list[str]) -> bool:
    if not a or len(a) != len(b):
        return False
    orders = itertools.permutations(b) if len(b) <= 4 else [b]
    return any(all(_same_word(x, y) for x, y in zip(a, order, strict=True)) for order in orders)


# A point of a numbered scale as exported: a bare number, or one after the scale's word
# ("6", "Score 6") ...
_SCALE_POINT = re.compile(r"(?i)\s*(?:score|grade|level)?\s*(\d{1,2})\s*")
# ... and the number a spelling of the scale opens with ("Score 6 - Definitely not
# avoidable", "6. Definitely not avoidable").
_SCALE_LABEL = re.compile(r"(?i)\s*(?:score|grade|level)?\s*(\d{1,2})\s*[-\u2013:.)]\s*\w")


def scale_point(value: str) -> int | None:
    """The number of a value that is only a point of a numbered scale ("6", "Score 6")."""
    point = _SCALE_POINT.fullmatch(value)
    return int(point[1]) if point else None


def near_miss(value: str, labels: dict[str, str], field_name: str) -> tuple[str, str] | None:
    """The one canonical value an exported value is a clear near-miss of, with the spelling it
    matched: the same words whatever their case, punctuation, order or word form ("Partly
    Upheld" for "partially upheld", "Moderate Harm" for moderate, "Closed-Resolved" for
    "closed resolved"), or the point of a numbered scale a spelling opens with ("6" for
    "Score 6 - Definitely not avoidable": an SJR export's avoidability as its score). None
    when it reads as none, or as two canonical values: a person decides."""
    words, point = _value_words(value, field_name), scale_point(value)
    found: dict[str, str] = {}
    for label, target in labels.items():
        opens = _SCALE_LABEL.match(label)
        if header_key(label) == header_key(value) or _same_words(
                words, _value_words(label, field_name)) or (
                point is not None and opens is not None and int(opens[1]) == point):
            found.setdefault(target, label)
    if len(found) != 1:
        return None
    [(target, label)] = found.items()
    return target, label


# Where a name starts saying when it was exported: a date, a month, a number.
_DATED = re.compile(r"[\s_.-]*(?:\d|(?<![a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|"
                    r"dec)[a-z]*(?![a-z])).*$", re.IGNORECASE)


def _glob(files: list[Path], raw_root: Path) -> str:
    """One glob for files of one layout in one folder, reading next month's too: their name
    up to its first date or number ("Extract_2026-12-03.csv", "Log Nov 2026.xlsx"), then
    anything (draft.distinct_globs narrows it where it would read another layout's files)."""
    relative = [f.relative_to(raw_root).as_posix() for f in files]
    first = Path(relative[0])
    stem = _DATED.sub("", os.path.commonprefix([Path(r).stem for r in relative]))
    if stem and all(Path(r).suffix == first.suffix for r in relative):
        return (first.parent / f"{stem}*{first.suffix}").as_posix()
    return exact_glob(relative)


def exact_glob(relative: list[str]) -> str:
    """The narrowest glob for these files: their name, or common prefix and suffix."""
    if len(relative) == 1:
        return relative[0]
    prefix = os.path.commonprefix(relative)
    suffix = os.path.commonprefix([r[::-1] for r in relative])[::-1]
    return f"{prefix}*{suffix[max(0, len(prefix) + len(suffix) - min(map(len, relative))):]}"


def _names(files: list[Path], raw_root: Path) -> str:
    first = files[0].relative_to(raw_root).as_posix()
    return first if len(files) == 1 else f"{first} (and {len(files) - 1} like it)"
