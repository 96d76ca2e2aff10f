"""Free texts made as distinct as a real trust's before the benchmark measures them.

The demo generator draws each comment and narrative from a few templates per theme (a large
trust's 611k FFT comments are 71 distinct texts). Every step that works once per distinct
text (FFT coding, the keyword rules, the narrative classifier) would then be measured at a
fraction of what it costs a trust, whose comments are mostly unique (87% of the answered
comments in the public FFT sample occur once). So every non-blank free text of a CSV export
gets a serial number appended, which makes it unique without changing what it is about.
Workbook exports (the demo's complaints and audits) are left as they are.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipelines.lib.loading import decode_export
from pipelines.lib.mapping import Mapping, header_key, pair_files

FREE_TEXT_FIELDS = ("comment_good", "comment_improve", "description", "action_taken",
                    "reviewer_comments", "concerns")


def make_texts_distinct(raw: Path, mappings: list[Mapping], sources: list[str]) -> int:
    """Append ` (ref N)` to every non-blank free-text cell of the sources' CSV exports, N
    counting across files; returns how many cells changed."""
    serial = 0
    for source in sources:
        for path, mapping in pair_files(raw, mappings, source)[0]:
            if path.suffix.lower() != ".csv":
                continue
            wanted = {header_key(mapping.columns[f]) for f in FREE_TEXT_FIELDS
                      if f in mapping.columns}
            # As the loader decodes it (the generator writes some legacy encodings).
            text, encoding = decode_export(path, mapping, path.read_bytes())
            rows = list(csv.reader(io.StringIO(text, newline="")))
            at = [i for i, name in enumerate(rows[0]) if header_key(name) in wanted]
            for row in rows[1:]:
                for i in at:
                    if i < len(row) and row[i].strip() and \
                            row[i].strip().lower() not in mapping.nulls:
                        serial += 1
                        row[i] = f"{row[i]} (ref {serial})"
            out = io.StringIO(newline="")
            csv.writer(out, lineterminator="\n").writerows(rows)
            path.write_text(out.getvalue(), encoding=encoding)
    return serial
