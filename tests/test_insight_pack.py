"""The quality insight pack: its charts, its files, and both packs rendered in headless
Chromium as a committee member opens and prints them."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import re
import shutil
import stat
import xml.etree.ElementTree as ET

import duckdb
import polars as pl
import pytest
from conftest import ARTIFACTS

from pipelines.lib.publishing import CASE_LEVEL, MARTS
from pipelines.lib.reporting_period import reporting_period
from pipelines.report import (
    PACK_FILE,
    WIDE_PACK_FILE,
    build_pack,
    default_pack_path,
    render_pack,
)
from pipelines.report.charts import MDC_COLOURS, int_ticks, signal_strip, spc_chart
from pipelines.report.html import table
from pipelines.report.labels import fields_in_words
from pipelines.spc import xmr

SVG = "{http://www.w3.org/2000/svg}"
SECTIONS = ["Summary for the committee", "Patient safety incident response plan: draft",
            "Top 5 priorities over time", "Where themes signal in several sources",
            "Friends and Family Test", "Complaints performance", "Learning from deaths",
            "Prevention of Future Deaths reports: response tracker",
            "Claims: the cost of harm", "Clinical audit",
            "Data quality"]
# Height budgets at a 1,200 px wide window (README "Quality insight pack"): the scale-1 demo
# trust's packs measure 15,286 px (restricted: it adds T charts of rare series) and 13,394 px.
HEIGHT_BUDGET = {"restricted": 18_000, "wide": 16_000}
# What a raw code looks like in visible text: snake_case values, location ids.
RAW_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\bLOC-[A-Z0-9]+\b")


def _months(n: int) -> pl.Series:
    return pl.Series([dt.date(2025 + (i // 12), i % 12 + 1, 1) for i in range(n)])


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_spc_chart_shows_concern_in_orange_a_legend_and_whole_number_ticks():
    values = [5, 6, 4, 5, 7, 5, 6, 4, 5, 6, 5, 6, 25, 5]  # a spike: concern when fewer is better
    frame = xmr(values, improvement="decrease").with_columns(month=_months(len(values)))
    svg = spc_chart(frame, "Falls at Ward 12: incidents")
    texts = _texts(svg)
    for label in ("Falls at Ward 12: incidents", "Common cause", "Special cause: concern",
                  "Special cause: improvement", "Mean", "Process limits", "Records a month"):
        assert label in texts, label
    ticks = [t for t in texts if re.fullmatch(r"[\d.]+", t)]
    assert ticks and all(t.isdigit() for t in ticks), ticks  # no 12.5 or 37.5 on a count
    assert MDC_COLOURS["concern"].lower() in svg.lower()  # the spike
    assert 'class="marks spc-chart"' in svg and "<script" not in svg


def test_charts_of_one_shape_each_show_their_own_title_and_data():
    """spc_chart builds a chart's specification once per shape (pipelines.report.charts
    _spc_spec): a second chart of the same shape must not show the first's title or points,
    nor change what the first draws."""
    values = [5, 6, 4, 5, 7, 5, 6, 4, 5, 6, 5, 6, 25, 5]
    first = xmr(values, improvement="decrease").with_columns(month=_months(len(values)))
    second = xmr([3 * v for v in values[::-1]], improvement="decrease").with_columns(
        month=_months(len(values)))
    drawn = spc_chart(first, "Falls at Ward 12: incidents")
    other = spc_chart(second, "Pressure ulcers at Ward 3: incidents")
    assert "Pressure ulcers at Ward 3: incidents" in _texts(other)
    assert "Falls at Ward 12: incidents" not in _texts(other)

    def top_tick(svg: str) -> int:
        return max(int(t) for t in _texts(svg) if t.isdigit())

    assert top_tick(other) > 2 * top_tick(drawn)  # each axis fits its own counts
    assert spc_chart(first, "Falls at Ward 12: incidents") == drawn


def test_rare_event_chart_has_no_limits_and_no_special_cause_colours():
    values = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 1, 1]
    frame = xmr(values, improvement="decrease").with_columns(month=_months(len(values)))
    assert "special_cause_improvement" in frame["point_type"].to_list()  # plain XmR would
    svg = spc_chart(frame, "Falls at Ward 12: complaints", rare=True)
    texts = _texts(svg)
    assert "Mean" in texts and "Process limits" not in texts
    assert "Special cause: improvement" not in texts
    assert MDC_COLOURS["improvement"].lower() not in svg.lower()
    assert MDC_COLOURS["concern"].lower() not in svg.lower()


def test_signal_only_chart_shows_no_counts_and_no_shape_to_read_them_from():
    values = [3, 1, 4, 1, 2, 2, 3, 1, 4, 2, 2, 3, 4, 1, 9]
    frame = xmr(values, improvement="decrease").with_columns(month=_months(len(values)))
    svg = signal_strip(frame, "Falls, Whole trust: complaints")
    texts = _texts(svg)
    assert not [t for t in texts if t.isdigit()], texts
    assert "Mean" not in texts and "Records a month" not in texts
    assert "Special cause: concern" in texts  # the signal is what is shown
    root = ET.fromstring(svg)
    marks = [g for g in root.iter(f"{SVG}g")
             if {"mark-symbol", "role-mark"} <= set((g.get("class") or "").split())]
    dots = [e.get("transform") for g in marks for e in g if e.get("transform")]
    assert len(dots) == len(values)
    assert len({t.split(",")[1] for t in dots}) == 1  # every dot on one line: no shape


def test_fields_a_requirement_lacks_are_named_in_words():
    gaps = ("incidents.meets_mnsi_criteria is blank in every record; or "
            "sjr.has_learning_disability is not in the export")
    assert fields_in_words(gaps) == (
        "Incidents' MNSI criteria flag is blank in every record; or Structured judgement "
        "reviews' learning disability flag is not in the export")
    assert not RAW_CODE.findall(fields_in_words(gaps))


@pytest.mark.parametrize(("top", "ticks"), [
    (0, [0, 1]), (1.5, [0, 1, 2]), (3, [0, 1, 2, 3]), (6, [0, 2, 4, 6]),
    (37.5, [0, 10, 20, 30, 40]), (1200, [0, 500, 1000, 1500])])
def test_count_axes_tick_on_whole_numbers(top, ticks):
    assert int_ticks(top) == ticks


def test_wide_circulation_tables_suppress_small_counts_with_a_second_cell():
    rows = [{"status": "sent on time", "n": 12}, {"status": "overdue", "n": 2},
            {"status": "due", "n": 7}]
    html = table(rows, [("status", "Status"), ("n", "Reports")], wide=True, counts=["n"],
                 total_row=True)
    assert "<td class=\"num\">2</td>" not in html
    assert html.count(">*<") == 2  # the 2, and the next smallest (7) so 2 = 21 - 12 - 7 fails
    assert ">21<" in html and ">12<" in html


@pytest.fixture(scope="module")
def packs(refreshed, tmp_path_factory):
    workspace, _ = refreshed
    out = tmp_path_factory.mktemp("pack")
    return (workspace, build_pack(workspace.marts, out / PACK_FILE),
            build_pack(workspace.marts, out / WIDE_PACK_FILE, wide_circulation=True))


def test_the_refresh_builds_the_restricted_pack_beside_the_marts(refreshed):
    workspace, _ = refreshed
    page = (workspace.marts / PACK_FILE).read_text(encoding="utf-8")
    assert "Restricted: patient safety team" in page
    assert not (workspace.marts / WIDE_PACK_FILE).exists()  # the refresh never writes it


def test_each_pack_has_its_own_file_and_the_restricted_one_never_takes_the_wide_name(
        packs, tmp_path):
    workspace, _, _ = packs
    assert default_pack_path(tmp_path).name == PACK_FILE
    assert default_pack_path(tmp_path, wide_circulation=True).name == WIDE_PACK_FILE
    with pytest.raises(ValueError, match="never written there"):
        build_pack(workspace.marts, tmp_path / WIDE_PACK_FILE)
    assert not (tmp_path / WIDE_PACK_FILE).exists()


def test_a_pack_built_again_renders_only_the_charts_that_changed(packs, tmp_path, monkeypatch):
    import vl_convert

    workspace, restricted, _ = packs
    # The refresh keeps its charts beside the private warehouse, not with the marts.
    assert (workspace.warehouse.parent / "chart_cache").is_dir()
    assert (workspace.warehouse.parent / "chart_cache").stat().st_mode & 0o077 == 0
    rendered = []
    render = vl_convert.vegalite_to_svg
    monkeypatch.setattr(vl_convert, "vegalite_to_svg",
                        lambda spec: rendered.append(spec) or render(spec))
    cache = tmp_path / "charts"
    stale = cache / ("0" * 64 + ".svg")
    cache.mkdir()
    stale.write_text("<svg/>")
    os.utime(stale, (0, 0))  # no pack has used it for years

    first = build_pack(workspace.marts, tmp_path / "first.html", chart_cache=cache)
    charts = len(rendered)
    assert charts > 10 and not stale.exists()
    again = build_pack(workspace.marts, tmp_path / "again.html", chart_cache=cache)
    assert len(rendered) == charts  # every chart taken from the cache
    charts_in = [re.findall(r"<svg.*?</svg>", p.read_text(encoding="utf-8"), flags=re.S)
                 for p in (restricted, first, again)]
    assert len(charts_in[0]) >= charts
    assert charts_in[0] == charts_in[1] == charts_in[2]  # as rendering every chart gives

    (next(cache.glob("*.svg"))).unlink()  # one chart's specification not seen before
    build_pack(workspace.marts, tmp_path / "third.html", chart_cache=cache)
    assert len(rendered) == charts + 1


def test_pack_is_self_contained_and_wide_version_holds_no_record_ids(packs):
    workspace, restricted, wide = packs
    for path in (restricted, wide):
        page = path.read_text(encoding="utf-8")
        assert "<script" not in page and "<link" not in page
        assert not re.search(r"https?://(?!www\.w3\.org/)", page)
    inquest_ids = [r[0] for r in workspace.query("select inquest_id from pfd_tracker",
                                                 file=workspace.case_level)]
    record_ids = [r[0] for r in workspace.query(
        "select record_id from psirp_national_requirements", file=workspace.case_level)]
    wide_page = wide.read_text(encoding="utf-8")
    assert "For wide circulation" in wide_page and "Restricted:" not in wide_page
    assert not any(i in wide_page for i in inquest_ids)
    assert not any(re.search(rf">{re.escape(i)}<", wide_page) for i in record_ids)
    assert not re.search(r"(?<![-\d])\b[1-4] (records?|of them)\b", wide_page)
    if inquest_ids:
        assert any(i in restricted.read_text(encoding="utf-8") for i in inquest_ids)


def test_pack_covers_the_reporting_period_not_a_future_month(packs, refreshed):
    _, restricted, wide = packs
    _, truth = refreshed
    end = dt.date.fromisoformat(truth["generator"]["end_date"])  # the as-of date in tests
    label = f"Reporting month: <strong>{end:%B %Y}</strong>"
    for path in (restricted, wide):
        page = path.read_text(encoding="utf-8")
        assert label in page
        later = [dt.date(end.year + (end.month + k - 1) // 12, (end.month + k - 1) % 12 + 1, 1)
                 for k in range(1, 6)]
        assert not any(f"{d:%b %Y} to" in page or f"to {d:%b %Y}" in page for d in later)


# --- in the browser ------------------------------------------------------------------------

# Every legend item's bounding box in every chart, and the pairs that overlap.
LEGEND_OVERLAPS_JS = """
const out = [];
for (const svg of document.querySelectorAll('svg.marks')) {
  const items = [...svg.querySelectorAll('.role-legend-label text, .role-legend-symbol path,'
                                        + ' .role-legend-title text')]
      .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
    const a = items[i], b = items[j];
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) out.push(svg.getAttribute('aria-label'));
  }
}
return out;
"""
# The page's visible words, without code-set table names.
VISIBLE_TEXT_JS = """
const clone = document.body.cloneNode(true);
clone.querySelectorAll('code, details:not([open]) > :not(summary)').forEach(e => e.remove());
document.body.appendChild(clone); clone.style.position = 'absolute';
const text = clone.innerText; clone.remove(); return text;
"""


def _chrome(width: int = 1200, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", f"--window-size={width},{height}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                    reason="Debian chromium and chromium-driver are not installed "
                           "(`make browser` installs them)")
def test_both_packs_render_print_and_stay_within_budget_in_chromium(packs):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.print_page_options import PrintOptions

    _, restricted, wide = packs
    ARTIFACTS.mkdir(exist_ok=True)
    measured = {}
    driver = _chrome()
    try:
        for name, path in (("restricted", restricted), ("wide", wide)):
            driver.set_window_size(1200, 900)
            driver.get(path.as_uri())
            severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert not severe, severe
            headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
            assert headings == SECTIONS, headings
            # The first screen holds the summary: its heading and the whole top-priorities
            # table (with a trend line per priority) are in view before any scrolling.
            summary = driver.find_element(By.CSS_SELECTOR, "#summary")
            top = summary.find_element(By.CSS_SELECTOR, "table")
            assert summary.location["y"] < 250
            assert top.location["y"] + top.size["height"] <= 900, top.rect
            # A trend line per priority; the wide pack withholds one whose months hold 1-4
            # records, and says so in its place.
            trends = [row.find_elements(By.CSS_SELECTOR, "td")[2]
                      for row in top.find_elements(By.CSS_SELECTOR, "tbody tr")]
            assert trends and all(
                cell.find_elements(By.CSS_SELECTOR, "svg.sparkline") or (
                    name == "wide" and "not shown: months of 1-4 records" in cell.text)
                for cell in trends), [cell.text for cell in trends]
            if name == "restricted":
                assert top.find_elements(By.CSS_SELECTOR, "svg.sparkline")
            assert driver.execute_script(
                "return document.querySelector('section').id") == "summary"
            charts = driver.find_elements(By.CSS_SELECTOR, "#spc svg.spc-chart")
            assert charts and all(c.size["width"] >= 900 for c in charts)  # full width
            assert driver.find_elements(By.CSS_SELECTOR, "#fft svg.fft-chart")
            assert driver.execute_script(LEGEND_OVERLAPS_JS) == []
            raw = sorted(set(RAW_CODE.findall(driver.execute_script(VISIBLE_TEXT_JS))))
            assert raw == [], raw
            # Printing: table rows and charts are never split across pages.
            assert driver.execute_script(
                "return getComputedStyle(document.querySelector('tbody tr')).breakInside"
            ) == "avoid"
            height = driver.execute_script("return document.documentElement.scrollHeight")
            assert height <= HEIGHT_BUDGET[name], (name, height)
            options = PrintOptions()  # A4 landscape, as the pack's @page asks
            options.orientation, options.page_width, options.page_height = "landscape", 21.0, 29.7
            pdf = base64.b64decode(driver.print_page(options))
            pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
            (ARTIFACTS / f"insight_pack_{name}.pdf").write_bytes(pdf)
            driver.set_window_size(1200, min(height + 100, 16_000))
            assert driver.save_screenshot(str(ARTIFACTS / f"insight_pack_{name}.png"))
            measured[name] = {"height_px": height, "pdf_pages": pages,
                              "size_kib": round(path.stat().st_size / 1024)}
    finally:
        driver.quit()
    (ARTIFACTS / "insight_pack_measures.json").write_text(json.dumps(measured, indent=2))
    print(f"\ninsight packs: {measured} (screenshots and PDFs in {ARTIFACTS})")
    assert all(m["pdf_pages"] >= 2 for m in measured.values())


def test_wide_pack_of_other_trusts_shows_each_planted_problem(scenario_trust):
    """Trusts the demo was not tuned on: the wide pack renders, names each planted problem
    on its summary page and holds no record id."""
    from pipelines.report import render_pack

    workspace, truth, name = scenario_trust
    page = render_pack(workspace.marts, wide_circulation=True)
    summary = page[page.index('id="summary"'):page.index('id="psirp"')]
    themes = dict(workspace.query("select theme_id, theme_name from themes"))
    for problem in truth["problems"]:
        assert themes[problem["theme"]] in summary, (name, problem["name"])
    # Records about patients; audits are published by id in the marts file anyway.
    record_ids = [r[0] for r in workspace.query(
        "select record_id from record_themes where source <> 'audit'",
        file=workspace.case_level)]
    assert record_ids and not any(f">{i}<" in page for i in record_ids)


def _section_text(page: str, anchor: str) -> str:
    """The words a reader sees in one section of a pack."""
    body = page[page.index(f'<section id="{anchor}"'):]
    body = body[:body.index("</section>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def gapped_marts(refreshed, tmp_path):
    """A copy of the demo's published files as another trust's could be: one complaint open
    at the reporting month's end whose location did not resolve (no directorate), SJRs not
    sent (the profile does not expect them), and an inquest register exported without either
    PFD field (so the tracker is empty)."""
    workspace, _ = refreshed
    marts = tmp_path / "marts"
    shutil.copytree(workspace.marts, marts)
    for path in marts.rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    con = duckdb.connect(str(marts / MARTS.file))
    try:
        month = reporting_period(con).month
        con.execute("insert into complaints_performance select * replace (null as directorate, "
                    "1 as open_at_month_end_count) from complaints_performance "
                    "where month = ? limit 1", [month])
        con.execute("update source_freshness set state = 'not_sent', is_expected = false, "
                    "files = 0 where source = 'sjr'")
        con.execute("update field_coverage set is_mapped = false, pct_filled = 0 "
                    "where source = 'inquests' and field in ('is_pfd_issued', 'pfd_date')")
        [(open_now,)] = con.execute("select sum(open_at_month_end_count)::int "
                                    "from complaints_performance where month = ?",
                                    [month]).fetchall()
    finally:
        con.close()
    con = duckdb.connect(str(marts / CASE_LEVEL.file))
    try:
        con.execute("delete from pfd_tracker")
    finally:
        con.close()
    return marts, open_now


def test_a_complaint_without_a_directorate_counts_in_the_total_under_its_own_label(
        gapped_marts):
    marts, open_now = gapped_marts
    restricted = render_pack(marts)
    total = re.search(r'<section id="complaints".*?<tr class="total">(.*?)</tr>', restricted,
                      re.S)[1]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", total)
    assert cells[7] == f"{open_now:,}"  # "Open at end of <month>": the mart's sum
    for page in (restricted, render_pack(marts, wide_circulation=True)):
        text = _section_text(page, "complaints")
        assert "Directorate not known" in text and "None" not in text


def test_a_source_not_sent_or_a_field_not_exported_is_said_never_none(gapped_marts):
    marts, _ = gapped_marts
    for wide in (False, True):
        page = render_pack(marts, wide_circulation=wide)
        deaths = _section_text(page, "deaths")
        assert "This trust does not send structured judgement reviews" in deaths
        assert "no figure here says there are none" in deaths
        assert "None." not in deaths and "SJRs done" not in deaths
        summary = _section_text(page, "summary")
        assert ("Not sent by this trust, so not counted here (no figure says there are none): "
                "Structured judgement reviews") in summary
    pfd = _section_text(render_pack(marts), "pfd")
    assert "None due, overdue or received" not in pfd
    assert ("The inquests exports carry no PFD report flag or PFD report date (not in the "
            "export, or blank in every record)") in pfd
