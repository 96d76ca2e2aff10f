"""The quality insight pack: one self-contained HTML file built from the published marts.

No network: no scripts, fonts or stylesheets from elsewhere; every chart is inline SVG drawn
in Python. The marts are opened read-only, so the pack can be built while BI tools read them.
"""

from __future__ import annotations

import os
import time
from html import escape
from pathlib import Path

from pipelines.lib.identifier_guard import guard_html
from pipelines.report import sections
from pipelines.report.html import section

PACK_FILE = "insight_pack.html"
TOP_N = 5

CSS = """
:root { --blue: #005EB8; --dark: #231F20; --grey: #425563; --pale: #E8EDEE; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, "Liberation Sans", sans-serif; color: var(--dark);
       margin: 0 auto; max-width: 1100px; padding: 0 24px 48px; line-height: 1.45;
       font-size: 15px; }
header { border-bottom: 4px solid var(--blue); padding: 16px 0 8px; }
h1 { font-size: 28px; margin: 8px 0; color: var(--blue); }
h2 { font-size: 22px; border-bottom: 1px solid var(--pale); padding-bottom: 4px;
     margin-top: 36px; }
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
nav ol { columns: 2; }
.table-wrap { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 13px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #AEB7BD; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: var(--pale); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #F5F7F8; }
figure.chart { margin: 12px 0 20px; page-break-inside: avoid; break-inside: avoid; }
svg { max-width: 100%; height: auto; }
.badges { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 4px; }
.badge { display: inline-flex; align-items: center; gap: 6px; border: 1px solid #AEB7BD;
         border-radius: 14px; padding: 2px 10px 2px 3px; font-size: 13px; }
.badge-none { padding-left: 10px; color: var(--grey); }
footer { margin-top: 40px; color: var(--grey); font-size: 13px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section { page-break-before: always; break-before: page; }
  section:first-of-type { page-break-before: avoid; break-before: avoid; }
  .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"""


def default_pack_path(marts_dir: Path) -> Path:
    return marts_dir / PACK_FILE


def build_pack(marts_dir: Path, out_path: Path | None = None, wide_circulation: bool = False,
               top_n: int = TOP_N) -> Path:
    """Write the insight pack for the marts published in marts_dir to out_path (default
    `<marts_dir>/insight_pack.html`) and return its path.

    wide_circulation: counts of 1-4 are shown as "*" (with secondary suppression in tables
    with totals), SPC charts with such months are withheld, and the case-level file (record
    ids) is not opened at all. Otherwise the pack is marked "restricted: patient safety team".
    """
    marts_dir = Path(marts_dir)
    out_path = Path(out_path) if out_path is not None else default_pack_path(marts_dir)
    started = time.perf_counter()
    m = sections.Marts.open(marts_dir, wide_circulation)
    try:
        parts = [
            ("psirp", "Patient safety incident response plan: draft", "The PSIRP draft: "
             "events national policy requires a response to, and the local focus proposed from "
             "the themes signalling in several sources at once.", sections.psirp(m)),
            ("spc", f"Top {top_n} priorities over time", "Monthly record counts for each "
             "priority where it is most concentrated, one Making Data Count chart per source. "
             "Orange points are special-cause concern (more records than chance explains), "
             "blue are improvement, grey are common cause (normal variation).",
             sections.spc(m, top_n)),
            ("heatmap", "Where themes signal in several sources", "Each cell counts the "
             "sources (incidents, complaints, FFT, inquests, SJRs) in which a theme is rising "
             "in a ward or department in the recent window against its own baseline. Darker "
             "means more sources agree.", sections.heatmap(m)),
            ("fft", "Friends and Family Test", "Share of FFT responses that rated the "
             "experience good or very good, by setting (NHS England definition, \"don't know\" "
             "included in the denominator).", sections.fft(m)),
            ("complaints", "Complaints performance", "Complaints received and handled in the "
             "last 12 months, and how many are still open.", sections.complaints(m)),
            ("deaths", "Learning from deaths", "Structured Judgement Reviews by quarter of "
             "death, and what they found.", sections.deaths(m)),
            ("pfd", "Prevention of Future Deaths reports: response tracker", "Reports to "
             "prevent future deaths issued to the trust by coroners; a response is due within "
             "56 days.", sections.pfd(m)),
            ("audit", "Clinical audit", "The audit programme's status and the audits "
             "the triangulated themes suggest for next year.", sections.audits(m)),
            ("data-quality", "Data quality", "What could not be loaded or coded in this "
             "refresh, and how recent each source is. Figures above leave these out.",
             sections.data_quality(m)),
        ]
        refreshed = sections.published_at(m)
    finally:
        m.close()
    if wide_circulation:
        marking = ('<span class="circulation wide">For wide circulation: counts of 1-4 are '
                   "suppressed (*) and no record ids are shown</span>")
    else:
        marking = ('<span class="circulation restricted">Restricted: patient safety team. '
                   "Contains small numbers and record ids</span>")
    nav = "".join(f'<li><a href="#{a}">{escape(t)}</a></li>' for a, t, _, _ in parts)
    body = "".join(section(a, t, intro, html) for a, t, intro, html in parts)
    page = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Quality insight pack</title><style>{CSS}</style></head><body>"
        f"<header><h1>Quality insight pack</h1>{marking}"
        f"<p>Built from the marts published {escape(refreshed)}.</p></header>"
        f"<nav><h2>Contents</h2><ol>{nav}</ol></nav>{body}"
        f"<footer>Generated by Triangulate in {time.perf_counter() - started:.1f} s. "
        "SPC conventions follow NHS England's Making Data Count.</footer></body></html>")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.name}.partial")
    partial.write_text(guard_html(page), encoding="utf-8")  # the last identifier check
    os.replace(partial, out_path)  # readers never see a half-written pack
    return out_path
