"""The quality insight pack: one self-contained HTML file built from the published marts.

A committee paper: a one-page summary first (top priorities with their trend and evidence,
national requirements this quarter, what changed since last month, data-quality warnings),
then a section per topic, each over the reporting period (`pipelines.lib.reporting_period`).
Long lists are collapsed. No network: no scripts, fonts or stylesheets from elsewhere; every
chart is static SVG inlined. The marts are opened read-only, so the pack can be built while
BI tools read them.
"""

from __future__ import annotations

import os
import time
from html import escape
from pathlib import Path

from pipelines.lib import settings
from pipelines.lib.identifier_guard import guard_html
from pipelines.lib.publishing import PUBLICATIONS
from pipelines.report import claims, operational, quality, sections
from pipelines.report.html import note, section
from pipelines.report.marts import Marts
from pipelines.report.priorities import read_priorities
from pipelines.report.svg_cache import svg_cache

PACK_FILE = "insight_pack.html"
WIDE_PACK_FILE = "insight_pack_wide.html"
TOP_N = 5

CSS = """
:root { --blue: #005EB8; --dark: #231F20; --grey: #425563; --pale: #E8EDEE; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, "Liberation Sans", sans-serif; color: var(--dark);
       margin: 0 auto; max-width: 1100px; padding: 0 24px 48px; line-height: 1.45;
       font-size: 15px; }
header { border-bottom: 4px solid var(--blue); padding: 8px 0 6px; }
header p { margin: 4px 0; }
h1 { font-size: 26px; margin: 4px 0; color: var(--blue); }
h2 { font-size: 22px; border-bottom: 1px solid var(--pale); padding-bottom: 4px;
     margin-top: 32px; }
#summary h2 { margin-top: 12px; }
#summary h3 { margin: 12px 0 4px; font-size: 16px; }
h3 { font-size: 18px; margin: 20px 0 8px; }
h4 { font-size: 15px; }
.circulation { display: inline-block; padding: 4px 10px; font-weight: bold;
               border: 2px solid var(--dark); }
.circulation.restricted { background: #FFEB99; }
.circulation.wide { background: #DDEEFF; }
.intro { color: var(--grey); max-width: 70em; }
.note { color: var(--grey); font-style: italic; }
.missing { background: #FFF6E0; padding: 6px 10px; border-left: 4px solid #FAB428;
           font-style: normal; }
nav ol { columns: 3; margin: 4px 0; font-size: 14px; }
.summary-grid { display: grid; grid-template-columns: 3fr 2fr; gap: 0 28px; }
.summary-grid > div { min-width: 0; }
ul.warnings, ul.compact { margin: 4px 0 8px; padding-left: 20px; }
ul.warnings li { margin: 2px 0; }
.small { font-size: 11px; color: var(--grey); }
td.date { white-space: nowrap; }
details { margin: 8px 0 16px; }
summary { cursor: pointer; color: var(--blue); font-weight: bold; }
figcaption { color: var(--grey); font-size: 13px; }
.period { font-size: 16px; margin: 4px 0; }
.table-wrap { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 13px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #AEB7BD; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: var(--pale); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #F5F7F8; }
figure.chart { margin: 8px 0 14px; page-break-inside: avoid; break-inside: avoid; }
tr, figure, .summary-grid > div { page-break-inside: avoid; break-inside: avoid; }
thead { display: table-header-group; }
svg { max-width: 100%; height: auto; }
footer { margin-top: 40px; color: var(--grey); font-size: 13px; }
@media print {
  body { max-width: none; padding: 0; font-size: 9pt; line-height: 1.3; }
  table { font-size: 8pt; }
  th, td { padding: 2px 4px; }
  h1 { font-size: 18pt; } h2 { font-size: 14pt; margin-top: 8px; } h3 { font-size: 11pt; }
  .intro { display: none; }
  /* The summary fits one A4 landscape page: smaller trend lines, no gaps. */
  #summary h2 { margin: 4px 0; } #summary h3 { margin: 6px 0 2px; font-size: 10pt; }
  #summary caption { padding: 1px 0; }
  svg.sparkline { height: 20px; width: auto; }
  .summary-grid > div { break-inside: auto; page-break-inside: auto; }
  ul.compact { columns: 2; font-size: 8pt; } ul.warnings { font-size: 8pt; }
  header { padding: 0 0 4px; } header p.period { font-size: 8pt; }
  nav { display: none; }
  @page { size: A4 landscape; margin: 12mm; }
  section { page-break-before: always; break-before: page; }
  section#summary { page-break-before: avoid; break-before: avoid; }
  h2, h3 { page-break-after: avoid; break-after: avoid; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


def default_pack_path(marts_dir: Path, wide_circulation: bool = False) -> Path:
    """Where each pack lives beside the marts: the wide-circulation pack has its own file, so
    the nightly (restricted) pack never overwrites it."""
    return Path(marts_dir) / (WIDE_PACK_FILE if wide_circulation else PACK_FILE)


def build_pack(marts_dir: Path, out_path: Path | None = None, wide_circulation: bool = False,
               top_n: int = TOP_N, chart_cache: Path | None = None) -> Path:
    """Write the insight pack for the marts published in marts_dir to out_path (default
    `default_pack_path`) and return its path.

    wide_circulation: counts of 1-4 are shown as "*" (with secondary suppression in tables
    with totals), ward SPC charts that would show such months give way to the directorate's
    or the trust's, and the case-level file (record ids) is not opened at all. Otherwise the
    pack is marked "restricted: patient safety team", and it is never written to the
    wide-circulation file name.

    chart_cache: a private folder where each chart's SVG is kept by its specification, so a
    pack built again renders only the charts that changed (pipelines.report.svg_cache).
    """
    marts_dir = Path(marts_dir)
    out_path = (Path(out_path) if out_path is not None
                else default_pack_path(marts_dir, wide_circulation))
    if not wide_circulation and out_path.name == WIDE_PACK_FILE:
        raise ValueError(f"{out_path}: {WIDE_PACK_FILE} is the wide-circulation pack's name; "
                         "the restricted pack (record ids, small numbers) is never written "
                         "there")
    published = {(marts_dir / name).resolve() for publication in PUBLICATIONS
                 for name in publication.outputs}
    if out_path.resolve() in published:
        raise ValueError(f"{out_path}: is a published output (the marts files and their "
                         "Parquet folders); write the pack elsewhere")
    with svg_cache(chart_cache):
        page = render_pack(marts_dir, wide_circulation, top_n)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.name}.partial")
    checked = guard_html(page)  # the last identifier check
    # The restricted pack (record ids, small numbers) gets the case-level file's mode, from
    # its first byte: a write that fails half way leaves nothing others could read.
    partial.unlink(missing_ok=True)
    mode = settings.published_file_mode(restricted=not wide_circulation)
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "w",
                       encoding="utf-8") as handle:
            handle.write(checked)
        os.chmod(partial, mode)  # the umask may have taken bits the setting gives
        os.replace(partial, out_path)  # readers never see a half-written pack
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out_path


def render_pack(marts_dir: Path, wide_circulation: bool = False, top_n: int = TOP_N) -> str:
    """The whole pack as one HTML string."""
    started = time.perf_counter()
    m = Marts.open(Path(marts_dir), wide_circulation)
    try:
        refreshed = quality.published_at(m)
        parts = _sections(m, top_n) if m.period is not None else []
        period = (f"Reporting month: <strong>{escape(m.period.label)}</strong>, the last "
                  f"complete month of incident, complaint and FFT data up to "
                  f"{m.period.as_of:%-d %B %Y}." if m.period is not None else "")
    finally:
        m.close()
    if wide_circulation:
        marking = ('<span class="circulation wide">For wide circulation: counts of 1-4 are '
                   "suppressed (*) and no record ids are shown</span>")
    else:
        marking = ('<span class="circulation restricted">Restricted: patient safety team. '
                   "Contains small numbers and record ids</span>")
    if parts:
        nav = ("<nav><h3>Contents</h3><ol>" + "".join(f'<li><a href="#{a}">{escape(t)}</a></li>'
                                     for a, t, _, _ in parts[1:]) + "</ol></nav>")
        body = section(*parts[0]) + nav + "".join(section(*p) for p in parts[1:])
    else:
        body = note("No incident, complaint or FFT records in a complete month up to the "
                    "as-of date: nothing to report yet.")
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Quality insight pack</title><style>{CSS}</style></head><body>"
        f"<header><h1>Quality insight pack</h1>{marking}"
        f'<p class="period">{period} Built from the marts published {escape(refreshed)}.</p>'
        f"</header>{body}"
        f"<footer>Generated by Triangulate in {time.perf_counter() - started:.1f} s. "
        "SPC conventions follow NHS England's Making Data Count.</footer></body></html>")


def _sections(m: Marts, top_n: int) -> list[tuple[str, str, str, str]]:
    """(anchor, title, intro, body) of each section, the summary first."""
    priorities = read_priorities(m)
    top = priorities[:top_n]
    warnings = quality.warnings(m)
    summary = (
        f"<h3>Top {len(top)} priorities</h3>{sections.top_priorities(m, top)}"
        '<div class="summary-grid">'
        f"<div><h3>National requirements this quarter</h3>{sections.national_this_quarter(m)}"
        "</div>"
        f"<div><h3>What changed since last month</h3>{sections.changes(m)}</div></div>"
        "<h3>Data-quality warnings</h3>"
        + ('<ul class="warnings">' + "".join(f"<li>{w}</li>" for w in warnings)
           + "</ul>" if warnings else note("None: every row loaded, every code and location "
                                           "resolved, every source up to date.")))
    return [
        ("summary", "Summary for the committee", "The priorities proposed from themes "
         "signalling in several sources at once, the events national policy requires a "
         "response to, and what to read with caution.", summary),
        ("psirp", "Patient safety incident response plan: draft", "The PSIRP draft: "
         "events national policy requires a response to, and the local focus proposed from "
         "the themes signalling in several sources at once.", sections.psirp(m, priorities)),
        ("spc", f"Top {len(top)} priorities over time", "Monthly records of each priority "
         "where it is most concentrated, one Making Data Count chart per source. Orange "
         "points are special-cause concern (more records than chance explains), blue are "
         "improvement, grey are common cause (normal variation).", sections.spc(m, top)),
        ("heatmap", "Where themes signal in several sources", "Each cell counts the "
         "sources (incidents, complaints, FFT, inquests, SJRs, claims) in which a theme is "
         "rising in a ward or department in the recent window against its own baseline. "
         "Darker means more sources agree.", sections.heatmap(m)),
        ("fft", "Friends and Family Test", "Share of FFT responses that rated the "
         "experience good or very good, by setting (NHS England definition, \"don't know\" "
         "included in the denominator).", operational.fft(m)),
        ("complaints", "Complaints performance", "Complaints received and handled in the "
         "12 months to the reporting month, and how many are still open.",
         operational.complaints(m)),
        ("deaths", "Learning from deaths", "Structured Judgement Reviews by quarter of "
         "death, and what they found.", operational.deaths(m)),
        ("pfd", "Prevention of Future Deaths reports: response tracker", "Reports to "
         "prevent future deaths issued to the trust by coroners; a response is due within "
         "56 days.", operational.pfd(m)),
        ("claims", "Claims: the cost of harm", "What harm has cost, by theme, over NHS "
         "Resolution's scorecard window (incidents in the last five complete financial "
         "years, whenever claimed), and what claims teach: the causes claimed most and "
         "costing most, and how long after the incident claims arrive. Cost is shown "
         "beside the signal; it never ranks the priorities.", claims.claims(m)),
        ("audit", "Clinical audit", "The audit programme's status and the audits "
         "the triangulated themes suggest for next year.", operational.audits(m)),
        ("data-quality", "Data quality", "What could not be loaded or coded in this "
         "refresh, and how recent each source is. Figures above leave these out.",
         quality.data_quality(m)),
    ]
