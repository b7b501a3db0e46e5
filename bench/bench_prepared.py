"""Prepared statements on and off in one process (`DATABASE_PREPARED_READS`), over the same
scenarios as `bench_pages.py` and its database (seed it with `bench_pages.py` first).

Each round runs every scenario twice, once with the session read and the reads of an order by
its number prepared (`backoffice.prebuilt_reads.prepared`) and once without, in alternating
order: both see the same caches and the same machine noise, which a comparison of separate
runs on a shared VM does not give. Prints the median of each and the difference.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_prepared.py --rounds 20
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pages  # sets Django up
from django.conf import settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--per-page", type=int, help="rows per list page (default: the app's)")
    args = parser.parse_args()

    client = bench_pages.signed_in_client()
    scenarios = bench_pages.scenarios(bench_pages.pick_orders(), args.per_page)
    times: dict[tuple[bool, str], list[float]] = {}
    for round_ in range(args.warmup + args.rounds):
        for prepared in (True, False) if round_ % 2 else (False, True):
            settings.DATABASE_PREPARED_READS = prepared
            for scenario in scenarios:
                wall = bench_pages.request(client, scenario)[0]
                if round_ >= args.warmup:
                    times.setdefault((prepared, scenario.key), []).append(wall)
    print(f"{len(scenarios)} scenarios, {args.rounds} rounds, medians in ms")
    print("| scenario | prepared | not prepared | difference |")
    print("|---|---:|---:|---:|")
    for scenario in scenarios:
        on = statistics.median(times[(True, scenario.key)])
        off = statistics.median(times[(False, scenario.key)])
        saved = f"{off - on:+.2f} ({(off - on) / off:+.0%})"
        print(f"| {scenario.key} | {on:.2f} | {off:.2f} | {saved} |")


if __name__ == "__main__":
    main()
