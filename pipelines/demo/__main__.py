"""`python -m pipelines.demo --out data/raw --seed 42 --scale 1.0 [--scenario file.yml]
[--years N] [--end-date YYYY-MM-DD]`"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from pipelines.demo.generator import generate_trust


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.demo",
        description="Generate the demo trust's exports and scenario_truth.json.")
    parser.add_argument("--out", type=Path, default=Path("data/raw"), help="export folder")
    parser.add_argument("--seed", type=int, default=42, help="same seed, same files")
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier")
    parser.add_argument("--scenario", type=Path, help="scenario YAML (default: the built-in one)")
    parser.add_argument("--years", type=int, help="years of history (default: the scenario's)")
    parser.add_argument("--end-date", type=dt.date.fromisoformat,
                        help="last day the exports cover (default: the scenario's)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    truth = generate_trust(args.out, seed=args.seed, scale=args.scale, scenario=args.scenario,
                           years=args.years, end_date=args.end_date)
    rows = sum(truth["volumes"].values())
    print(f"{rows:,} rows in {len(truth['volumes'])} files/sheets written to {args.out} "
          f"in {time.perf_counter() - started:.1f} s")
    for plant in truth["problems"] + truth["decoys"]:
        counts = ", ".join(f"{s} {p['count']}" for s, p in plant["planted"].items())
        print(f"  {plant['name']}: {plant['theme']} at {plant['unit']['value']} ({counts})")


if __name__ == "__main__":
    main()
