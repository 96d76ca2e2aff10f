"""test_privacy's two trusts, prepared here so that conftest can start their refreshes at the
start of a session that will read them (they change nothing any other test reads).

Each is refreshed, queried and reported on in subprocesses whose Python (and the dbt child's)
refuses and records every network connection (tests/network_guard).
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import polars as pl
from conftest import TRIANGULATE, SideBySide, make_workspace
from privacy_corpus import plant_corpus, plant_file_names

from pipelines.lib.mapping import load_mappings
from pipelines.lib.settings import DEMO_PROFILE_DIR

NETWORK_GUARD = Path(__file__).parent / "network_guard"


def guarded(workspace, socket_log: Path, *args: str,
            profile: Path | None = None) -> tuple[list[str], dict[str, str]]:
    """`triangulate <args>` and the environment of a process whose Python children refuse the
    network, for run_side_by_side."""
    # The guard first; then the caller's path, so a checkout run with PYTHONPATH (beside an
    # installed one) refreshes with its own code.
    path = os.pathsep.join(filter(None, [str(NETWORK_GUARD), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, **workspace.env(), "PYTHONPATH": path,
           "TRIANGULATE_SOCKET_LOG": str(socket_log)}
    if profile:
        env["TRIANGULATE_PROFILE"] = str(profile)
    env.pop("TRIANGULATE_IDENTIFIER_POLICY", None)
    return [TRIANGULATE, *args], env


def start_refreshes(tmp_path_factory):
    """(corpus trust, accepted trust, their refreshes started side by side)."""
    corpus = corpus_trust(tmp_path_factory)
    accepted = accepted_trust(tmp_path_factory)
    (corpus_workspace, _, socket_log), (workspace, profile, _) = corpus, accepted
    return corpus, accepted, SideBySide([
        guarded(corpus_workspace, socket_log, "refresh"),
        guarded(workspace, workspace.root / "sockets.log", "refresh", profile=profile)])


def corpus_trust(tmp_path_factory):
    """(workspace, plantings, socket log): a small trust with the privacy corpus planted."""
    from pipelines.demo import generate_trust

    workspace = make_workspace(tmp_path_factory.mktemp("privacy"))
    generate_trust(workspace.raw, seed=23, scale=0.05)
    planted = plant_corpus(workspace.raw, DEMO_PROFILE_DIR / "mappings")
    plant_file_names(workspace.raw)
    return workspace, planted, workspace.root / "sockets.log"


# A fourth probe's (7 December): names in review rows a person accepted, then in later exports.
SURNAME = "Penhaligon"


def _set_cell(raw: Path, pattern: str, field: str, row: int, value: str) -> None:
    mapping_by = load_mappings(DEMO_PROFILE_DIR / "mappings")
    path = sorted(raw.glob(pattern), key=lambda p: p.stat().st_size, reverse=True)[0]
    mapping = next(m for m in mapping_by if m.matches(path.relative_to(raw).as_posix()))
    frame = pl.read_csv(path, infer_schema=False)
    header = mapping.columns[field]
    frame.with_columns(pl.when(pl.int_range(pl.len()) == row).then(pl.lit(value))
                       .otherwise(pl.col(header)).alias(header)).write_csv(path)


def _review_sheets(profile: Path, locations: list[list], codes: list[list]) -> None:
    from pipelines.onboard.review import CODE_REVIEW, LOCATION_REVIEW

    (profile / "review").mkdir(exist_ok=True)
    for name, columns, rows in (("locations.csv", LOCATION_REVIEW, locations),
                                ("codes.csv", CODE_REVIEW, codes)):
        with (profile / "review" / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)


def accepted_trust(tmp_path_factory):
    """(workspace, profile, accepted): a trust whose review sheets held names marked `y`
    ('Ward 6 - JOHN PENHALIGON', 'Fall - Edna Penhaligon') beside ordinary spellings, after
    `accept`; then, as a profile accepted before `accept` kept such rows (or a person mapped
    them by hand), those rows in its reference CSVs anyway, and later exports holding the
    surname in other wards and codes; refreshed and reported on."""
    from pipelines.demo import generate_trust
    from pipelines.onboard.review import accept

    workspace = make_workspace(tmp_path_factory.mktemp("accepted"))
    generate_trust(workspace.raw, seed=29, scale=0.05)
    profile = workspace.root / "profile"
    shutil.copytree(DEMO_PROFILE_DIR, profile)
    _review_sheets(
        profile,
        [["incidents", f"Ward 6 - JOHN {SURNAME.upper()}", "", 1, "LOC-W6", "Ward 6", 0.95, "y"],
         ["incidents", f"Ward 6 {SURNAME}", "", 1, "LOC-W6", "Ward 6", 0.9, "y"],
         ["incidents", "NGH Wd 6", "", 4, "LOC-W6", "Ward 6", 0.8, "y"],
         ["incidents", "Adult ED Majors", "", 4, "LOC-ED", "Emergency Department", 0.8, "y"]],
        [["incidents", "category", f"Slips, trips and falls > Fall - Edna {SURNAME}", 1, 1,
          "falls", 0.8, "keyword rule (narrative)", "y"],
         ["incidents", "category", "Medication > Omitted dose", 3, 3, "medication", 0.8,
          "keyword rule (narrative)", "y"]])
    accepted = accept(profile)
    for table, row in (("location_aliases", [f"Ward 6 - JOHN {SURNAME.upper()}", "LOC-W6", ""]),
                       ("theme_code_map", ["incidents", "category",
                                           f"Slips, trips and falls > Fall - Edna {SURNAME}",
                                           "falls"])):
        with (profile / "reference" / f"{table}.csv").open("a", newline="",
                                                            encoding="utf-8") as handle:
            csv.writer(handle).writerow(row)
    for row, (field, value) in enumerate([
            ("location", f"Ward 6 {SURNAME}"), ("location", f"Cedar Ward Edna {SURNAME}"),
            ("location", "NGH Wd 6"), ("location", "Adult ED Majors")]):
        _set_cell(workspace.raw, "incidents/incidents_*.csv", field, 2 * row, value)
    _set_cell(workspace.raw, "incidents/datix_export_*.csv", "category", 0,
              f"Medication > Omitted dose - {SURNAME}")
    _set_cell(workspace.raw, "incidents/datix_export_*.csv", "category", 2,
              f"Slips, trips and falls > Fall - Edna {SURNAME}")
    return workspace, profile, accepted


