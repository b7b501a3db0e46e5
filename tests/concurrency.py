"""Race-test scaffolding: calls run in their own threads, released together behind a barrier.

Each thread gets its own database connection (Django's are per thread) and closes it, so the
test database can be dropped afterwards.
"""

import threading
from collections.abc import Callable

from django.db import connection


def run_concurrently(
    calls: list[Callable[[], object]], *, before: Callable[[], None] | None = None
) -> list[object]:
    """Run every call in its own thread, released together; results or raised errors, in order.

    `before` runs in each thread ahead of the barrier (e.g. a per-connection setting).
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            if before is not None:
                before()
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
