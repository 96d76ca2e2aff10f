"""Deployment-safety probes: no identifier reaches a published file, the query command reads
only the marts, and no refresh, query or report opens a network connection.

One small trust (a seed and size the demo is not tuned on) gets the privacy corpus planted in
its exports and is refreshed, queried and reported on in subprocesses whose Python (and the
dbt child's) refuses and records every network connection (tests/network_guard); so is a
second, whose accepted review rows held names (both prepared in tests/privacy_trusts.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import run_side_by_side
from privacy_corpus import (
    FIELDS,
    FILE_NAMES,
    FORMS,
    RESTRICTED,
    scan_published,
    scan_text,
)
from privacy_trusts import NETWORK_GUARD, SURNAME, guarded

from pipelines.lib.settings import PROJECT_ROOT


def assert_ran(*runs: subprocess.CompletedProcess) -> None:
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture(scope="module")
def privacy_trusts(privacy_refreshes):
    """Both trusts below once refreshed (conftest.privacy_refreshes), then queried and
    reported on side by side, all with the network refused."""
    corpus, accepted, refreshes = privacy_refreshes
    (corpus_workspace, _, socket_log), (workspace, profile, _) = corpus, accepted
    corpus_refresh, accepted_refresh = refreshes.wait()
    assert_ran(corpus_refresh, accepted_refresh)
    assert_ran(*run_side_by_side([
        guarded(corpus_workspace, socket_log, "query", "select count(*) from theme_counts"),
        guarded(corpus_workspace, socket_log, "report", "--wide", "--out",
                str(corpus_workspace.marts / "insight_pack_wide.html")),
        guarded(workspace, workspace.root / "sockets.log", "report", "--wide", "--out",
                str(workspace.marts / "insight_pack_wide.html"), profile=profile)]))
    return (*corpus, corpus_refresh.stdout), accepted


@pytest.fixture(scope="module")
def corpus_trust(privacy_trusts):
    """(workspace, plantings, socket log, refresh output): the corpus trust after a refresh,
    a query and both insight packs, all with the network refused."""
    return privacy_trusts[0]


def test_refresh_query_and_report_open_no_network_connection(corpus_trust):
    _, _, socket_log, _ = corpus_trust
    attempts = socket_log.read_text() if socket_log.exists() else ""
    assert attempts == "", attempts


def test_the_network_guard_records_a_connection_attempt(tmp_path):
    """The guard the test above relies on does catch a lookup in a child process."""
    log = tmp_path / "sockets.log"
    env = {**os.environ, "PYTHONPATH": str(NETWORK_GUARD), "TRIANGULATE_SOCKET_LOG": str(log)}
    subprocess.run([sys.executable, "-c", "import urllib.request as u\ntry:\n"
                    "    u.urlopen('https://pypi.org/simple/', timeout=1)\nexcept OSError:\n"
                    "    pass"], env=env, check=True, timeout=60)
    assert "getaddrinfo 'pypi.org'" in log.read_text()


def test_every_planted_form_lands_in_every_field_type(corpus_trust):
    _, planted, _, _ = corpus_trust
    assert {(p.field_type, p.form) for p in planted} == {
        (field, form) for field in FIELDS for form in FORMS}


def test_no_published_file_holds_a_planted_identifier(corpus_trust):
    workspace, _, _, _ = corpus_trust
    published = {p.relative_to(workspace.marts).as_posix() for p in workspace.marts.rglob("*")}
    assert {"triangulate.duckdb", "triangulate_case_level.duckdb", "insight_pack.html",
            "insight_pack_wide.html", "parquet/unmapped_codes.parquet",
            "parquet_case_level/withheld_values_as_exported.parquet"} <= published
    assert scan_published(workspace.marts) == []
    # The files saved under a name loaded, published under their screened names.
    files = {f for (f,) in workspace.query("select file from load_summary")}
    assert {f.split(" [")[0] for f in files} >= {
        "incidents/incidents_….csv", "incidents/incidents_…_long_ward.csv"}, files


def test_planted_identifiers_were_caught_and_reported(corpus_trust):
    workspace, _, _, refresh_output = corpus_trust
    # Typed into codes and wards: shown redacted with a pointer into the case-level file.
    withheld = {(field, shown) for field, shown in workspace.query(
        "select field, value_shown from withheld_values")}
    assert ("subjects", "… … …") in withheld  # "Mrs Jane Smithson" as a complaint subject
    assert ("location", "W5 … … …") in withheld
    # Typed into the directorate of a record whose ward did not resolve.
    assert ("directorate", "… … …") in withheld
    # Every planted code is withheld; unmapped_codes lists those that leave a record unthemed.
    [(codes_withheld,)] = workspace.query(
        "select count(*) from withheld_values "
        "where field not in ('location', 'site', 'directorate', 'specialty')")
    assert codes_withheld >= len(FORMS)
    [(unmapped_withheld,)] = workspace.query(
        "select count(*) from unmapped_codes where is_withheld")
    assert unmapped_withheld >= 1
    # The case-level file holds those values with their identifiers redacted.
    values = {v for (v,) in workspace.query(
        "select value_as_exported from withheld_values_as_exported", file=workspace.case_level)}
    assert "Fall - [name] [postcode]" in values
    # Typed into ids and code-like shapes: redacted on publishing, counted and reported.
    redacted = workspace.query(
        "select table_name, column_name, identifier_kind, n_cells from identifier_redactions",
        file=workspace.case_level)
    assert {kind for _, _, kind, _ in redacted} >= {"nhs_number", "email", "titled_name"}
    # An incident's status, published for Never Events.
    assert ("psirp_national_requirements", "incident_status") in {
        (table, column) for table, column, _, _ in redacted}
    assert "no_identifiers_redacted" in refresh_output
    # Typed into dates and enums: rejected, the reason giving the cell's shape only.
    reasons = {r for (r,) in workspace.query(
        "select reason from rejected_rows where column_name in ('occurred_date', 'rating')")}
    assert "occurred_date is not a date in the format %d/%m/%Y (the cell reads AAA ##/##/####)" \
        in reasons


def test_the_scanner_finds_every_form_in_every_kind_of_file(tmp_path):
    """The scanner above can fail: each form planted in a DuckDB table, a nested column, a
    Parquet file and an HTML page is found."""
    marts = tmp_path / "marts"
    marts.mkdir()
    forms = [value for value, _ in (FORMS | FILE_NAMES).values()]
    con = duckdb.connect(str(marts / "triangulate.duckdb"))
    con.register("frame", pl.DataFrame({"value": forms, "nested": [[f] for f in forms]}))
    con.execute("create table planted as select * from frame")
    con.execute(f"copy planted to '{marts / 'planted.parquet'}' (format parquet)")
    con.close()
    (marts / "pack.html").write_text("".join(f"<td>{f}</td>" for f in forms))
    hits = scan_published(marts)
    for value in forms:
        places = {(h.file, h.where) for h in hits if value in h.text}
        assert {("triangulate.duckdb", "planted.value"), ("planted.parquet", "planted.value"),
                ("triangulate.duckdb", "planted.nested")} <= places, value
    assert len([h for h in hits if h.file == "pack.html"]) == 1
    for form, (value, _) in (FORMS | FILE_NAMES).items():
        assert scan_text("x", "y", value), form
    assert scan_text("x", "y", "Ward 7B, 12 incidents in 2025-03 (ref 1234567890)") == []


def test_everyday_complaint_words_are_publishable_and_no_given_name_is():
    """A complaint subject of everyday words ("Car parking", "Food and drink") is published
    whole, not as "… parking"; the shipped vocabulary holds none of the given names the
    masking macro knows (it would let "Grace Ward" through as a place)."""
    seeds = PROJECT_ROOT / "dbt_project"
    vocabulary = set(pl.read_csv(seeds / "seeds" / "shipped_publishable_words.csv")["word"])
    macro = (seeds / "macros" / "mask_unlisted_words.sql").read_text(encoding="utf-8")
    given = macro[macro.index("macro given_names"):]
    given_names = set(re.findall(r"'([a-z]+)'", given[:given.index("endmacro")]))
    assert len(given_names) > 100
    for subject in ("Car parking", "Food and drink", "Nursing care", "Privacy and dignity",
                    "Lost property", "Information and letters", "Toilets and hygiene"):
        assert set(subject.lower().split()) <= vocabulary, subject
    # June (the month) and ray (x-ray) are shipped on purpose: the macro still reads them as
    # given names where they stand as one.
    assert vocabulary & given_names == {"june", "ray"}


@pytest.fixture(scope="module")
def accepted_trust(privacy_trusts):
    """(workspace, profile, accepted): privacy_trusts.accepted_trust, refreshed and reported
    on with the network refused."""
    return privacy_trusts[1]


def test_accept_keeps_review_rows_holding_a_name_and_takes_ordinary_spellings(accepted_trust):
    _, profile, accepted = accepted_trust
    assert (accepted.aliases, accepted.codes) == (2, 1)
    assert [line.split(":")[0] for line in accepted.skipped] == [
        "locations.csv", "locations.csv", "codes.csv"]
    assert "a name" in accepted.skipped[0]
    assert all("may be a person's name" in line for line in accepted.skipped[1:])
    left = (profile / "review" / "locations.csv").read_text() \
        + (profile / "review" / "codes.csv").read_text()
    assert left.count(SURNAME) + left.count(SURNAME.upper()) == 3
    assert "NGH Wd 6" not in left and "Omitted dose," not in left


def test_accepted_spellings_and_codes_make_no_name_publishable(accepted_trust):
    """The probe's accepted rows put 'Fall - Edna Clarke' verbatim in the published
    theme_code_map and made the surname publishable in every ward and code of later exports;
    now a word only an export's spelling holds is not publishable, the code map is screened,
    and the trust's own wards and spellings publish as before."""
    workspace, _, _ = accepted_trust
    hits = [(path, line) for path in workspace.marts.rglob("*")
            if path.is_file() and path.suffix in (".duckdb", ".parquet", ".html")
            and not any(path.relative_to(workspace.marts).as_posix().startswith(r)
                        for r in RESTRICTED)
            for line in _texts(path) if "penhaligon" in line.lower() or "edna" in line.lower()]
    assert hits == []
    codes = workspace.query(
        "select native_code, is_withheld, value_ref is not null from theme_code_map "
        "where layer = 'profile' and native_code like 'Slips, trips and falls > Fall -%'")
    assert codes == [("Slips, trips and falls > Fall - … …", True, True)]
    [(ordinary,)] = workspace.query(
        "select count(*) from theme_code_map where native_code = 'Medication > Omitted dose' "
        "and not is_withheld and theme_id = 'medication'")
    assert ordinary == 1
    unresolved = {v for (v,) in workspace.query("select location_raw from unresolved_locations")}
    assert {"Ward 6 …", "Cedar Ward … …"} <= unresolved
    assert not unresolved & {"NGH Wd 6", "Adult ED Majors"}  # resolved through the aliases
    withheld = set(workspace.query("select field, value_shown from withheld_values"))
    assert withheld == {("category", "Slips, trips and falls > Fall - … …"),
                        ("category", "Medication > Omitted dose - …"),
                        ("location", "Cedar Ward … …"), ("location", "Ward 6 …")}
    names = {v for (v,) in workspace.query("select location_name from locations")}
    assert {"Ward 6", "Emergency Department"} <= names


def _texts(path: Path) -> list[str]:
    if path.suffix == ".html":
        return [path.read_text(encoding="utf-8", errors="replace")]
    con = duckdb.connect(str(path), read_only=True) if path.suffix == ".duckdb" \
        else duckdb.connect()
    try:
        relations = ([f'"{s}"."{t}"' for s, t in con.execute(
            "select schema_name, table_name from duckdb_tables()").fetchall()]
            if path.suffix == ".duckdb" else [f"'{path}'"])
        return [str(v) for relation in relations
                for row in con.execute(f"select * from {relation}").fetchall()
                for v in row if v is not None]
    finally:
        con.close()
