"""The mass actions as job kinds (`backoffice.jobs`), registered by `OrdersConfig.ready()`."""

from collections.abc import Callable, Iterator

from django.urls import reverse

from backoffice.batch.results import ItemResult
from backoffice.job_models import Job
from backoffice.jobs.registry import JobFile, JobKind, register
from orders.mass.actions import MASS_ACTIONS
from orders.mass.capture import capture_row
from orders.mass.files import export_file, export_row, print_file, print_row
from orders.mass.rows import cancel_row, hold_row, unhold_row
from orders.mass.selection import Selection, selected_orders
from orders.models import Order

CHUNK = 100  # orders loaded at a time

Process = Callable[[Job, Order], ItemResult]
Builder = Callable[[Job, list[str]], JobFile | None]

_DOES: dict[str, tuple[Process, Builder | None]] = {
    "hold": (hold_row, None),
    "unhold": (unhold_row, None),
    "cancel": (cancel_row, None),
    "capture": (capture_row, None),
    "print_invoices": (print_row, print_file),
    "export_csv": (export_row, export_file),
}


def _selected(job: Job):
    selection = Selection.from_params(job.params)
    return selected_orders(user=job.created_by, selection=selection)


def order_rows(job: Job) -> Iterator[list[Order]]:
    """The job's orders a chunk at a time, oldest first, the selection (or the filter: "all
    matching") asked again for each chunk after the last order taken (keyset: no list of
    every id is held, and an order the action moved out of the filter is not missed)."""
    orders = _selected(job).select_related("store").order_by("pk")
    last = 0
    while chunk := list(orders.filter(pk__gt=last)[:CHUNK]):
        yield chunk
        last = chunk[-1].pk


def order_count(job: Job) -> int:
    return _selected(job).count()


def _order_url(number: str) -> str:
    return reverse("orders:detail", args=[number])


def register_mass_actions() -> None:
    for name, (process, build_file) in _DOES.items():
        action = MASS_ACTIONS[name]
        register(
            JobKind(
                name=action.kind,
                title=action.label,
                noun="order",
                rows=order_rows,
                key=lambda order: order.number,
                label=lambda order: f"#{order.number}",
                store_id=lambda order: order.store_id,
                process=process,
                count=order_count,
                build_file=build_file,
                row_url=_order_url,
                back_url="/orders/",
                bulk_record=build_file is not None,  # print, export: nothing moves
            )
        )
