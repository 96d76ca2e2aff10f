"""The quality insight pack: its SVG charts, and the whole page rendered in headless Chromium."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pipelines.report import PACK_FILE, build_pack
from pipelines.report.charts import MDC_COLOURS, spc_chart_svg
from pipelines.report.html import table
from pipelines.spc import xmr

ARTIFACTS = Path(__file__).parent / "artifacts"
SVG = "{http://www.w3.org/2000/svg}"
SECTIONS = ["Patient safety incident response plan: draft", "Top 5 priorities over time",
            "Where themes signal in several sources", "Friends and Family Test",
            "Complaints performance", "Learning from deaths",
            "Prevention of Future Deaths reports: response tracker", "Clinical audit",
            "Data quality"]


def test_spc_chart_has_one_circle_per_point_a_legend_and_concern_in_orange():
    import datetime as dt

    import polars as pl

    values = [5, 6, 4, 5, 7, 5, 6, 4, 5, 6, 5, 6, 25, 5]  # a spike: concern when fewer is better
    frame = xmr(values, improvement="decrease").with_columns(
        month=pl.Series([dt.date(2025 + (i // 12), i % 12 + 1, 1) for i in range(len(values))]))
    svg = spc_chart_svg(frame, "Falls at Ward 12: incidents")
    root = ET.fromstring(svg)
    points = [c for c in root.iter(f"{SVG}circle") if "point" in c.get("class", "").split()]
    assert len(points) == len(values)
    concern = [c for c in points if "point-concern" in c.get("class")]
    assert len(concern) == 1 and concern[0].get("fill") == MDC_COLOURS["concern"]
    for circle in points:  # each point in its MDC colour (the long run below the raised
        category = circle.get("class").split()[1].removeprefix("point-")  # mean: improvement)
        assert circle.get("fill") == MDC_COLOURS[category]
    assert {c.get("class") for c in points} == {
        "point point-common_cause", "point point-concern", "point point-improvement"}
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for label in ("Common cause", "Special cause: improvement", "Special cause: concern",
                  "Mean", "Process limits", "Month", "Records"):
        assert label in text
    assert root.find(f"{SVG}path[@class='limit upper-limit']").get("stroke-dasharray")


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
    return (workspace, build_pack(workspace.marts, out / "restricted.html"),
            build_pack(workspace.marts, out / "wide.html", wide_circulation=True))


def test_the_refresh_builds_the_pack_beside_the_marts(refreshed):
    workspace, _ = refreshed
    page = (workspace.marts / PACK_FILE).read_text(encoding="utf-8")
    assert "Restricted: patient safety team" in page


def test_pack_is_self_contained_and_wide_version_holds_no_record_ids(packs):
    workspace, restricted, wide = packs
    for path in (restricted, wide):
        page = path.read_text(encoding="utf-8")
        assert "<script" not in page and "<link" not in page
        assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in page
    inquest_ids = [r[0] for r in workspace.query("select inquest_id from pfd_tracker",
                                                 file=workspace.case_level)]
    wide_page = wide.read_text(encoding="utf-8")
    assert "For wide circulation" in wide_page and "Restricted:" not in wide_page
    assert not any(i in wide_page for i in inquest_ids)
    assert not re.search(r"(?<![-\d])\b[1-4] (records?|of them)\b", wide_page)
    if inquest_ids:
        assert any(i in restricted.read_text(encoding="utf-8") for i in inquest_ids)


def _chrome():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1200,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                    reason="Debian chromium and chromium-driver are not installed "
                           "(`make browser` installs them)")
def test_pack_renders_in_chromium(packs, tmp_path):
    from selenium.webdriver.common.by import By

    _, restricted, _ = packs
    driver = _chrome()
    try:
        driver.get(restricted.as_uri())
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, severe
        headings = [h.text for h in driver.find_elements(By.TAG_NAME, "h2")]
        for title in SECTIONS:
            assert title in headings, (title, headings)
        charts = driver.find_elements(By.CSS_SELECTOR, "#spc svg.spc-chart")
        assert charts, "no SPC chart"
        assert "Special cause: concern" in charts[0].find_element(
            By.CSS_SELECTOR, "g.legend").text
        assert charts[0].size["width"] > 300
        heatmap = driver.find_element(By.CSS_SELECTOR, "#heatmap svg.heatmap")
        assert heatmap.find_elements(By.TAG_NAME, "rect")
        load_ms = driver.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "return n.loadEventEnd - n.startTime;")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1200, min(height + 100, 16000))
        shot = tmp_path / "insight_pack.png"
        assert driver.save_screenshot(str(shot))
        ARTIFACTS.mkdir(exist_ok=True)
        stable = ARTIFACTS / "insight_pack.png"
        shutil.copy(shot, stable)
        print(f"\ninsight pack screenshot: {stable} (page load {load_ms:.0f} ms, "
              f"{restricted.stat().st_size / 1024:.0f} KiB)")
    finally:
        driver.quit()
