"""The order list as a new user tries it: every filter of a set with every sort, in both
directions, at the size `bench_pages.py` seeded. Prints the slowest combinations and each
filter's time with the default sort.

    DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/backoffice_bench \\
        .venv/bin/python bench/bench_sorts.py [-n 3] [--per-page 50] [--top 30]

Each URL is requested once untimed, then `-n` times; the median is printed. Seed with
`bench_pages.py` first (it signs in the same bench user).
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pages  # sets Django up
from django.utils import timezone

from backoffice.models import Store

SORTS = ("placed_at", "number", "customer", "grand_total", "state", "payment_status")


def filters() -> dict[str, str]:
    stores = list(Store.objects.order_by("code").values_list("code", flat=True))
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    return {
        "none": "",
        "state processing": "state=processing",
        "state canceled": "state=canceled",
        "state on hold": "state=holded",
        "payment authorized": "payment_status=authorized",
        "payment charged back": "payment_status=charged_back",
        f"store {stores[0]}": f"store={stores[0]}",
        f"store {stores[-1]}": f"store={stores[-1]}",
        "currency JPY": "currency=JPY",
        "open to capture": "capture=open",
        "total from 500": "total_min=500",
        "total up to 5": "total_max=5",
        "placed in the last week": f"placed_from={week_ago}",
        "placed before 2025": "placed_to=2025-01-01",
        "customer smith": "customer=smith",
        "search smith": "q=smith",
        "search zz": "q=zz",
        f"store {stores[0]}, open to capture": f"store={stores[0]}&capture=open",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=3, help="timed requests per URL")
    parser.add_argument("--per-page", type=int, default=50)
    parser.add_argument("--top", type=int, default=30, help="slowest combinations printed")
    args = parser.parse_args()
    client = bench_pages.signed_in_client()
    timed: list[tuple[float, str, str]] = []
    for name, query in filters().items():
        for sort in ("", *SORTS, *(f"-{s}" for s in SORTS)):
            url = f"/orders/?per_page={args.per_page}"
            url += (f"&{query}" if query else "") + (f"&sort={sort}" if sort else "")
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.n):
                started = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            timed.append((statistics.median(times), name, sort or "default"))
    middle = statistics.median(t[0] for t in timed)
    print(f"{len(timed)} combinations, median of medians {middle:.1f} ms")
    print(f"\nslowest {args.top}:")
    for ms, name, sort in sorted(timed, reverse=True)[: args.top]:
        print(f"{ms:9.1f} ms  {name:36s} {sort}")
    print("\nthe default sort:")
    for ms, name, _sort in sorted(t for t in timed if t[2] == "default"):
        print(f"{ms:9.1f} ms  {name}")


if __name__ == "__main__":
    main()
