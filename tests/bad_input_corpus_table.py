"""Print the bad-input corpus as a table: each case, its outcome, and the rows read, loaded
and rejected (`make corpus-table`). The cases and their expected outcomes are asserted in
tests/test_bad_input_corpus.py; this only shows what a user sees for each."""

from __future__ import annotations

import tempfile
from pathlib import Path

from test_bad_input_corpus import CASES, run_case

from pipelines.lib.loading import BatchError


def main() -> None:
    print("| case | outcome | read | loaded | rejected | first reason or message |")
    print("|---|---|---|---|---|---|")
    refused = 0
    for case in CASES:
        with tempfile.TemporaryDirectory() as folder:
            try:
                [load] = run_case(case, Path(folder))
                cells = ["loaded", load.rows_read, load.loaded.height, load.rejected.height,
                         ", ".join(sorted(set(load.rejected["reason"].to_list())))]
            except BatchError as error:
                refused += 1
                cells = ["batch refused", "", "", "", str(error).replace(folder, "…")]
        text = [case.name, *cells[:4], str(cells[4])[:100]]
        print("| " + " | ".join(str(c).replace("|", "\\|") for c in text) + " |")
    print(f"\n{len(CASES)} cases: {len(CASES) - refused} loaded (bad rows rejected with a "
          f"reason), {refused} refused as a batch")


if __name__ == "__main__":
    main()
