"""Requests per second under gunicorn, ours and (with `--oscar`) the django-oscar anchor's, side
by side: the order list and a typical order page, each served by `--workers` sync workers and
loaded by `wrk` from a second process (`--connections` connections, `--duration` seconds).

    DATABASE_URL=postgres://backoffice:backoffice@127.0.0.1:5432/backoffice_bench \\
        .venv/bin/python bench/bench_http.py --oscar --rounds 2

Both run with DEBUG off and persistent database connections (the anchor through its
`oscar_persistent_settings.py`), signed in as a superuser (ours with both factors, through a
session made as the sign-in pages leave it; the anchor's "admin"). Rounds alternate ours and
the anchor's, so machine noise hits both alike; the median of the rounds is printed. Seed the
data with `bench_pages.py` and the anchor's `gen_data.py` first. Needs `wrk` (Debian package)
and gunicorn in the anchor's venv (installed when missing).
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANCHOR = Path(os.environ.get("ANCHOR", Path.home() / ".cache" / "oscar-anchor"))
ANCHOR_SOURCE = ROOT.parent / "shared" / "anchors" / "oscar"
OURS_PORT, OSCAR_PORT = 8761, 8762

OURS_SESSION = """
import sys; sys.path.insert(0, "bench")
import bench_pages as b
client = b.signed_in_client()
orders = b.pick_orders()
print(client.cookies["sessionid"].value, orders["typical"].number)
"""
OSCAR_SESSION = """
import django; django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from oscar.core.loading import get_model
from django.db.models import Count
Order = get_model("order", "Order")
median = Order.objects.order_by("number").values_list("number", flat=True)[
    Order.objects.count() // 2]
typical = (Order.objects.annotate(n=Count("lines"))
           .filter(n=3, number__gte=median, status="Processed").order_by("number")[0])
client = Client()
client.force_login(get_user_model().objects.get(username="admin"))
print(client.cookies["sessionid"].value, typical.number)
"""


def ours_env() -> dict[str, str]:
    env = dict(os.environ, DJANGO_DEBUG="false", DJANGO_SETTINGS_MODULE="backoffice.settings")
    assert "DATABASE_URL" in env, "set DATABASE_URL to the seeded PostgreSQL database"
    return env


def oscar_env() -> dict[str, str]:
    return dict(
        os.environ,
        PGDATABASE=os.environ.get("PGDATABASE", "oscar_anchor"),
        PGUSER=os.environ.get("PGUSER", "oscar"),
        PGPASSWORD=os.environ.get("PGPASSWORD", "oscar"),
        DJANGO_SETTINGS_MODULE="anchorshop.oscar_persistent_settings",
        PYTHONPATH=str(ANCHOR / "project"),
    )


def prepare_oscar() -> None:
    """The anchor's persistent-connection settings next to its own, and gunicorn in its venv."""
    target = ANCHOR / "project" / "anchorshop" / "oscar_persistent_settings.py"
    shutil.copyfile(ANCHOR_SOURCE / "project" / "oscar_persistent_settings.py", target)
    if not (ANCHOR / "venv" / "bin" / "gunicorn").exists():
        pip = ANCHOR / "venv" / "bin" / "pip"
        subprocess.run([str(pip), "install", "-q", "gunicorn"], check=True)


def session_and_order(python: str, code: str, env: dict[str, str], cwd: Path) -> list[str]:
    out = subprocess.run(
        [python, "-c", code], env=env, cwd=cwd, check=True, capture_output=True, text=True
    ).stdout
    return out.strip().splitlines()[-1].split()


def serve(gunicorn: str, app: str, port: int, env: dict[str, str], cwd: Path, workers: int):  # type: ignore[no-untyped-def]
    proc = subprocess.Popen(
        [gunicorn, app, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=cwd,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers (a redirect to sign in, a 404): up
        except OSError:
            time.sleep(0.2)
    return proc


def stop(proc) -> None:  # type: ignore[no-untyped-def]
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def load(url: str, cookie: str, *, connections: int, duration: int) -> float:
    """Requests per second `wrk` measured; every response must be a 200."""
    out = subprocess.run(
        [
            "wrk",
            f"-c{connections}",
            "-t2",
            f"-d{duration}s",
            "-H",
            f"Cookie: sessionid={cookie}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Non-2xx" not in out, out
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--per-page", type=int, default=20, help="our list's page size")
    parser.add_argument("--oscar", action="store_true", help="measure the anchor too")
    args = parser.parse_args()
    venv = Path(sys.executable).parent
    sides = {}
    cookie, number = session_and_order(sys.executable, OURS_SESSION, ours_env(), ROOT)
    sides["ours"] = {
        "serve": (str(venv / "gunicorn"), "backoffice.wsgi", OURS_PORT, ours_env(), ROOT),
        "cookie": cookie,
        "pages": {
            "list": f"/orders/?per_page={args.per_page}",
            "detail_typical": f"/orders/{number}/",
        },
    }
    if args.oscar:
        prepare_oscar()
        python = str(ANCHOR / "venv" / "bin" / "python")
        cookie, number = session_and_order(python, OSCAR_SESSION, oscar_env(), ANCHOR)
        sides["oscar"] = {
            "serve": (
                str(ANCHOR / "venv" / "bin" / "gunicorn"),
                "anchorshop.wsgi",
                OSCAR_PORT,
                oscar_env(),
                ANCHOR / "project",
            ),
            "cookie": cookie,
            "pages": {
                "list": "/dashboard/orders/",
                "detail_typical": f"/dashboard/orders/{number}/",
            },
        }
    results: dict[str, dict[str, list[float]]] = {
        side: {page: [] for page in spec["pages"]} for side, spec in sides.items()
    }
    for _ in range(args.rounds):
        for side, spec in sides.items():
            proc = serve(*spec["serve"], workers=args.workers)
            port = spec["serve"][2]
            try:
                for page, path in spec["pages"].items():
                    url = f"http://127.0.0.1:{port}{path}"
                    load(url, spec["cookie"], connections=args.connections, duration=3)  # warm
                    rps = load(
                        url, spec["cookie"], connections=args.connections, duration=args.duration
                    )
                    results[side][page].append(rps)
                    print(f"{side:5} {page:15} {rps:8.1f} req/s", flush=True)
            finally:
                stop(proc)
    print(f"\n{args.workers} sync workers, wrk -c{args.connections} -d{args.duration}s, medians:")
    print("| page | ours req/s | Oscar req/s | ratio |\n|---|---:|---:|---:|")
    for page in sides["ours"]["pages"]:
        ours = statistics.median(results["ours"][page])
        theirs = statistics.median(results["oscar"][page]) if "oscar" in results else None
        ratio = f"{ours / theirs:.1f}×" if theirs else "-"
        shown = f"{theirs:.1f}" if theirs else "-"
        print(f"| {page} | {ours:.1f} | {shown} | {ratio} |")


if __name__ == "__main__":
    main()
