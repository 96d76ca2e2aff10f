"""`triangulate onboard`: a draft trust profile from a folder of exports.

Every export is inspected with the loader's reading code; files of one layout in one folder
share one draft mapping, proposed from the nearest shipped template; the profile's
`profile.yml`, `mappings/` and `reference/` are written with every guess marked `REVIEW`,
then `triangulate check` runs on it and writes the review sheets. Nothing in the product's
folders is written.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.lib.canonical import SOURCES
from pipelines.lib.errors import UserFacingError
from pipelines.lib.mapping import header_key, is_export_file
from pipelines.lib.profile import DEFAULT_STALE_AFTER_DAYS, PROFILE_FILE
from pipelines.lib.reference import LAYERS, REFERENCE_FOLDER
from pipelines.onboard.inspect import inspect_file
from pipelines.onboard.propose import Proposal, exact_glob, propose, templates
from pipelines.onboard.review import (
    CheckResult,
    check,
    identifying,
    location_key,
    spelling_score,
)

SAME_PLACE_SCORE = 0.85  # spellings this alike are proposed as one location
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class OnboardError(UserFacingError):
    """A folder or profile onboard cannot work with."""


@dataclass
class Onboarded:
    profile: Path
    proposals: list[Proposal] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    locations_proposed: int = 0
    check: CheckResult | None = None

    @property
    def undecided(self) -> list[str]:
        return self.unreadable + [u for p in self.proposals for u in p.undecided]


def onboard(exports: Path, profile: Path, locations: Path | None = None) -> Onboarded:
    if not exports.is_dir():
        raise OnboardError(f"{exports} is not a folder of exports")
    if (profile / "mappings").exists() and any((profile / "mappings").iterdir()):
        raise OnboardError(f"{profile} already holds mappings: onboard writes a new draft "
                           "profile; choose an empty folder (or run `triangulate check` on it)")
    done = Onboarded(profile)
    # Files, and sheets of workbooks, of one layout in one folder share a draft: a workbook
    # of a month a sheet is one mapping reading every sheet, not one mapping a sheet.
    groups: dict[tuple, list[tuple[Path, str | None]]] = defaultdict(list)
    layouts, workbook_sheets = {}, defaultdict(list)
    for path in sorted(p for p in exports.rglob("*") if p.is_file()
                       and is_export_file(p) and p.suffix.lower() != ".md"):
        try:
            for layout in inspect_file(path):
                key = (path.parent, layout.header_row,
                       tuple(header_key(c.name) for c in layout.columns))
                groups[key].append((path, layout.sheet))
                workbook_sheets[path].append(layout.sheet)
                layouts.setdefault(key, layout)
        except UserFacingError as error:
            done.unreadable.append(str(error))
    candidates = templates()
    for key, members in groups.items():
        files = list(dict.fromkeys(path for path, _ in members))
        folder = files[0].relative_to(exports).parts[0] if files[0].parent != exports else None
        hint = folder if folder in SOURCES else None
        proposal = propose(files, layouts[key], hint, candidates, exports)
        _several_sheets(proposal, members, workbook_sheets)
        if proposal.source and folder != proposal.source:
            # The refresh reads <raw>/<source>/ only: the draft reads the file there.
            proposal.spec["files"] = [f"{proposal.source}/{Path(proposal.spec['files'][0]).name}"]
            proposal.undecided.append(
                f"{files[0].relative_to(exports)}: looks like {proposal.source} (template "
                f"{proposal.template.path.name}); move it into {proposal.source}/ of the "
                "exports folder, where the refresh reads that source")
        done.proposals.append(proposal)
    _distinct_globs(done.proposals, exports)
    _write_profile(done, exports)
    if locations is not None:
        shutil.copy(locations, profile / REFERENCE_FOLDER / "locations.csv")
    done.check = check(profile, exports)
    if locations is None:
        done.locations_proposed = _propose_locations(profile)
        done.check = check(profile, exports)
    return done


def _several_sheets(proposal: Proposal, members: list[tuple[Path, str | None]],
                    workbook_sheets: dict[Path, list[str | None]]) -> None:
    """Sheets of one layout in a workbook are read by one mapping, stacked: every sheet
    (`sheet: "*"`, which reads next month's sheet too) when no sheet of the files has
    another layout, else the sheets listed."""
    sheets = list(dict.fromkeys(sheet for _, sheet in members if sheet is not None))
    if len(sheets) < 2 or not proposal.source:
        return
    everything = all(len([s for p, s in members if p == path]) == len(workbook_sheets[path])
                     for path in {path for path, _ in members})
    proposal.spec["sheet"] = "*" if everything else sheets
    proposal.guesses["sheet"] = (
        f"{len(sheets)} sheets share this layout: read one after another as one table "
        "(rejected rows name their sheet)" + ("" if everything else
                                              "; a sheet added later must be listed"))


def _distinct_globs(proposals: list[Proposal], exports: Path) -> None:
    """A draft's glob reads next month's exports of its layout, but never a file another
    draft of the same source reads (the refresh refuses a file two mappings read): there it
    falls back to the files' own names."""
    for proposal in proposals:
        if not proposal.source:
            continue
        others = [f.relative_to(exports).as_posix() for other in proposals
                  if other is not proposal and other.source == proposal.source
                  for f in other.files]
        [pattern] = proposal.spec["files"]
        if any(Path(other).match(pattern) for other in others):
            proposal.spec["files"] = [exact_glob(
                [f.relative_to(exports).as_posix() for f in proposal.files])]


def _write_profile(done: Onboarded, exports: Path) -> None:
    profile = done.profile
    (profile / "mappings").mkdir(parents=True, exist_ok=True)
    (profile / REFERENCE_FOLDER).mkdir(parents=True, exist_ok=True)
    names: Counter = Counter()
    for proposal in done.proposals:
        if proposal.template is None:
            continue
        stem = proposal.template.path.stem
        names[stem] += 1
        name = stem if names[stem] == 1 else f"{stem}_{names[stem]}"
        (profile / "mappings" / f"{name}.yml").write_text(_mapping_text(proposal),
                                                          encoding="utf-8")
    mapped = {p.source for p in done.proposals if p.source}
    # Exports no template fits still say, by their folder, which source the trust sends.
    unmapped = {p.files[0].relative_to(exports).parts[0] for p in done.proposals
                if not p.source} - mapped
    lines = ["# Trust profile drafted by `triangulate onboard`. Sources marked REVIEW were not",
             "# found among the exports: say `expected: false` if the trust does not send them.",
             "sources:"]
    for source, days in DEFAULT_STALE_AFTER_DAYS.items():
        mark = ("" if source in mapped else
                "  # REVIEW: its exports were found, but no template fits them: write their "
                "mapping" if source in unmapped else
                "  # REVIEW: no export of this source was found")
        lines.append(f"  {source}: {{expected: {str(source in mapped | unmapped).lower()}, "
                     f"stale_after_days: {days}}}{mark}")
    lines += ["# Product settings this trust changes (dbt_project/dbt_project.yml vars), e.g.",
              "# vars:", "#   recent_months: 6",
              "#   triangulation_source_weights: {incidents: 1, complaints: 2, fft: 0.25,",
              "#                                  inquests: 3, sjr: 3}"]
    (profile / PROFILE_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for table, layer in LAYERS.items():
        path = profile / REFERENCE_FOLDER / f"{table}.csv"
        if not path.exists():
            with path.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerow(layer.columns)


def _mapping_text(proposal: Proposal) -> str:
    """The draft mapping as YAML, each guessed line marked `# REVIEW: why`."""
    spec = dict(proposal.spec)
    header = [f"# DRAFT written by `triangulate onboard` from the template "
              f"{proposal.template.path.name}",
              f"# for {len(proposal.files)} file(s) like {proposal.files[0].name}. Check every "
              "line marked REVIEW, then remove the mark.",
              f"# Read as {proposal.layout.encoding}"
              + (f", {_DELIMITERS.get(proposal.layout.delimiter, proposal.layout.delimiter)}"
                 "-separated" if proposal.layout.delimiter else "")
              + f", header on row {proposal.layout.header_row or 1}, "
              f"{proposal.layout.rows} data rows in the first file.",
              "# What each column holds (content, date format, fill rate, distinct values) "
              "and what reads it: review/columns.csv, rewritten by `triangulate check`."]
    if proposal.unmapped_values:
        header.append("# REVIEW: values with no entry under `values:` (listed by `triangulate "
                      "check` in review/values.csv): " + ", ".join(
                          f"{k} {n}" for k, n in proposal.unmapped_values.items()))
    for note in ("(unread columns)",):
        if note in proposal.guesses:
            header.append(f"# {proposal.guesses[note]}")
    columns = spec.pop("columns")
    body = yaml.safe_dump({k: v for k, v in spec.items() if k not in ("values", "derived")},
                          sort_keys=False, allow_unicode=True, width=96).splitlines()
    for key, why in proposal.guesses.items():
        body = [f"{line}  # REVIEW: {why}" if line.startswith(f"{key}:") else line
                for line in body]
    body.append("columns:")
    for name, column in columns.items():
        value = yaml.safe_dump({name: column}, default_flow_style=True, allow_unicode=True,
                               width=1000).strip()[1:-1]
        mark = f"  # REVIEW: {proposal.guesses[name]}" if name in proposal.guesses else ""
        body.append(f"  {value}{mark}")
    if spec.get("derived"):
        body += yaml.safe_dump({"derived": spec["derived"]}, sort_keys=False,
                               allow_unicode=True, width=96).splitlines()
    if spec.get("values"):
        body += _values_text(spec["values"], proposal.value_guesses)
    return "\n".join(header + body) + "\n"


def _values_text(values: dict, guesses: dict[str, dict[str, tuple[str, str]]]) -> list[str]:
    """The `values:` block, one entry a line, each value drafted as a near-miss marked
    `# REVIEW: why` (a person checks it is the value the export means)."""
    lines = ["values:"]
    for name, table in values.items():
        lines.append(f"  {name}:")
        for value, canonical in (table or {}).items():
            entry = yaml.safe_dump({value: canonical}, default_flow_style=True,
                                   allow_unicode=True, width=1000).strip()[1:-1]
            guess = guesses.get(name, {}).get(value)
            lines.append(f"    {entry}" + (f"  # REVIEW: {guess[1]}" if guess else ""))
    return lines


def _propose_locations(profile: Path) -> int:
    """Without the trust's list of places: one draft location per group of spellings that
    look alike (the most exported spelling names it), the others left in the review sheet
    as suggested aliases. A spelling exported at several sites ("Outpatients") is a place
    per site, named with its site and resolved by site-qualified aliases. A spelling holding
    what looks like an identifier (`identifying`) is no place: it stays in the sheet."""
    sheet = profile / "review" / "locations.csv"
    with sheet.open(newline="", encoding="utf-8") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: -int(r["records"]))
    sites = defaultdict(set)
    for row in rows:
        sites[location_key(row["location_as_exported"])].add(row["site_as_exported"])
    places: list[tuple[str, str, str]] = []  # (location_id, name, site)
    aliases: list[tuple[str, str, str]] = []  # (alias, location_id, site)
    for row in rows:
        spelling, site = row["location_as_exported"], row["site_as_exported"]
        if identifying(spelling) or identifying(site):
            continue  # left in the review sheet, for a person to judge
        if len(sites[location_key(spelling)]) > 1:
            location_id = f"LOC-{len(places) + 1:03d}"
            places.append((location_id, f"{spelling} ({site})", site))
            aliases.append((spelling, location_id, site))
        elif not any(location_key(spelling) == location_key(name)
                     or spelling_score(spelling, name) >= SAME_PLACE_SCORE
                     for _, name, _ in places):
            places.append((f"LOC-{len(places) + 1:03d}", spelling, site))
    reference = profile / REFERENCE_FOLDER
    with (reference / "locations.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LAYERS["locations"].columns)
        writer.writerows([i, name, site, "", "", ""] for i, name, site in places)
    with (reference / "location_aliases.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(LAYERS["location_aliases"].columns)
        writer.writerows(aliases)
    return len(places)
