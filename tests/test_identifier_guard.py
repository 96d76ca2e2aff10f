"""The publishing guard: every text value of every table redacted and counted, or refused."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.lib.identifier_guard import (
    IdentifiableDataError,
    guard_database,
    guard_html,
    identifier_policy,
)
from pipelines.lib.identifiers import is_valid_nhs_number


@pytest.fixture
def con():
    con = duckdb.connect()
    # 400 ordinary ten-digit codes beside one NHS number: the old guard's `limit 50` missed
    # the one; every value is read now.
    codes = [c for c in (str(1_000_000_000 + i * 7919) for i in range(500))
             if not is_valid_nhs_number(c)][:400]
    con.execute("create table codes as select code, 'Ward ' || (i % 20) as ward "
                "from (select unnest(?) as code, generate_subscripts(?, 1) as i)",
                [codes, codes])
    con.execute("insert into codes values ('9434765919', 'Bay 2 Mrs Jane Smithson'), "
                "('x', 'Bay 2 Mrs Jane Smithson')")
    con.execute("create table nested as select ['ok', 'ls1 4ap'] as parts, "
                "{'who': 'Dr A Patel', 'n': 1} as detail, 7 as n "
                "union all select ['fine'], {'who': 'nobody', 'n': 2}, 8")
    yield con
    con.close()


def test_every_value_is_read_and_what_is_found_is_redacted_and_counted(con):
    assert guard_database(con, {"codes": 402, "nested": 2}, "redact") == {
        "identifier_redactions": 4}
    assert con.execute("select table_name, column_name, identifier_kind, n_values, n_cells "
                       "from identifier_redactions order by all").fetchall() == [
        ("codes", "code", "nhs_number", 1, 1),
        ("codes", "ward", "titled_name", 1, 2),
        ("nested", "detail", "titled_name", 1, 1),
        ("nested", "parts", "postcode", 1, 1),
    ]
    assert con.execute("select count(*) from codes where code = '[NHS number]'").fetchone() == (1,)
    assert con.execute("select distinct ward from codes where ward like 'Bay%'").fetchall() == [
        ("Bay 2 [name]",)]
    assert con.execute("select parts, detail from nested order by n").fetchall() == [
        (["ok", "[postcode]"], {"who": "[name]", "n": 1}), (["fine"], {"who": "nobody", "n": 2})]
    # The 400 ordinary codes are untouched.
    assert con.execute("select count(*) from codes where code similar to '[0-9]{10}'"
                       ).fetchone() == (400,)


def test_refuse_names_table_column_and_kind_and_changes_nothing(con):
    before = con.execute("select * from codes order by all").fetchall()
    with pytest.raises(IdentifiableDataError) as error:
        guard_database(con, {"codes": 402}, "refuse")
    message = str(error.value)
    assert "codes.code (nhs_number)" in message and "codes.ward (titled_name)" in message
    assert "9434765919" not in message and "Smithson" not in message
    assert con.execute("select * from codes order by all").fetchall() == before


def test_a_clean_table_is_published_with_an_empty_report(con):
    con.execute("create table clean as select 'LOC-W7B' as id, 'falls' as theme, 3 as n")
    assert guard_database(con, {"clean": 1}, "redact") == {"identifier_redactions": 0}


def test_policy_is_read_at_call_time(monkeypatch):
    monkeypatch.delenv("TRIANGULATE_IDENTIFIER_POLICY", raising=False)
    assert identifier_policy() == "redact"
    monkeypatch.setenv("TRIANGULATE_IDENTIFIER_POLICY", "REFUSE")
    assert identifier_policy() == "refuse"
    monkeypatch.setenv("TRIANGULATE_IDENTIFIER_POLICY", "ignore")
    with pytest.raises(ValueError, match="expected one of redact, refuse"):
        identifier_policy()


def test_html_text_and_tooltips_are_redacted_not_styles_or_charts():
    page = ('<html><style>.a{width:943 476 5919}</style><body><svg><path d="M0 0"/>'
            '<rect><title>Mrs Jane Smithson &amp; ls1 4ap</title></rect></svg>'
            '<td title="07700 900123">NHS9434765919</td></body></html>')
    out = guard_html(page, "redact")
    assert out == ('<html><style>.a{width:943 476 5919}</style><body><svg><path d="M0 0"/>'
                   '<rect><title>[name] &amp; [postcode]</title></rect></svg>'
                   '<td title="[phone]">NHS[NHS number]</td></body></html>')
    with pytest.raises(IdentifiableDataError, match="nhs_number, postcode, titled_name, uk_phone"):
        guard_html(page, "refuse")
    clean = "<p>Falls at Ward 12: 3 of 5 sources (2026-12-02 10:09)</p>"
    assert guard_html(clean, "refuse") == clean


def test_publishing_redacts_and_reports_or_under_refuse_leaves_the_marts(refreshed_copy,
                                                                        monkeypatch):
    """A ward typed with a patient's name and NHS number reaches a mart table in the
    warehouse: the published file gets it redacted and counted; under `refuse` nothing
    published changes."""
    from pipelines.lib.identifier_guard import redactions_in
    from pipelines.lib.publishing import publish

    con = duckdb.connect(str(refreshed_copy.warehouse))
    con.execute("update marts.hotspots set location_name = 'Bay 2 Mrs Jane Smithson 943 476 5919' "
                "where rowid = (select min(rowid) from marts.hotspots)")
    con.close()
    before = refreshed_copy.published.read_bytes()
    monkeypatch.setenv("TRIANGULATE_IDENTIFIER_POLICY", "refuse")
    with pytest.raises(IdentifiableDataError, match=r"hotspots\.location_name \(nhs_number, "
                                                     r"titled_name\)"):
        publish(refreshed_copy.warehouse, refreshed_copy.marts)
    assert refreshed_copy.published.read_bytes() == before
    monkeypatch.setenv("TRIANGULATE_IDENTIFIER_POLICY", "redact")
    publish(refreshed_copy.warehouse, refreshed_copy.marts)
    assert [(r.table, r.column, r.kind, r.cells) for r in redactions_in(
        refreshed_copy.published)] == [("hotspots", "location_name", "nhs_number", 1),
                                       ("hotspots", "location_name", "titled_name", 1)]
    names = {n for (n,) in refreshed_copy.query("select location_name from hotspots")}
    assert "Bay 2 [name] [NHS number]" in names
    parquet = refreshed_copy.marts / "parquet" / "hotspots.parquet"
    assert "Bay 2 [name] [NHS number]" in {n for (n,) in refreshed_copy.query(
        f"select location_name from read_parquet('{parquet}')", file=refreshed_copy.published)}
