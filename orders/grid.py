"""The order grid's columns: each renders its cell once, in Python (issue 21: a per-row include
and per-cell tags were most of the list's time), from the row's order and its `figures`
(`orders.list_selectors.with_figures`). The template prints the cells; its markup stays the same."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

from backoffice.badges import badge_html
from backoffice.display import display_money
from backoffice.grids import Column, GridSpec, cells_html
from backoffice.html_text import escaped, safe
from orders.enums import OrderState
from orders.filters import ORDER_GRID_PARAMS
from orders.list_selectors import ORDERS_PER_PAGE, ListRow, with_figures
from orders.models import Order
from orders.order_urls import order_url
from payments.enums import PaymentStatus
from payments.figures import FIGURES
from payments.templatetags.transactions import stacked_time

# The cells below write their HTML with f-strings and `escaped` (each part escaped, as
# `format_html` would): `format_html`'s lazy-string wrappers cost more than a row's data.


def _number(order: ListRow) -> SafeString:
    number = escaped(order.number)
    url = escaped(order_url("orders:detail", order.number))
    return safe(f'<a class="link-strong" href="{url}">#{number}</a>')


def _placed_at(order: ListRow) -> SafeString:
    return stacked_time(order.placed_at, order.store.timezone)


def _store(order: ListRow) -> SafeString:
    store = order.store
    name, code = escaped(store.name), escaped(store.code.upper())
    return safe(f'<span class="store-tag" title="{name}">{code}</span>')


def _customer(order: ListRow) -> SafeString:
    return safe(
        f'<div class="cell-stack"><span>{escaped(order.customer_name)}</span>'
        f'<span class="muted small">{escaped(order.customer_email)}</span></div>'
    )


def _amount(key: str, label: str, *, due: bool = False, **options: Any) -> Column:
    """A column of one of the order's figures, in the order's currency (Total Due marked
    when something is due)."""

    def render(order: ListRow) -> SafeString:
        minor = getattr(order.figures, key)  # type: ignore[union-attr]
        text = escaped(display_money(minor, order.currency))
        return safe(f'<span class="amount-due">{text}</span>' if due and minor else text)

    return Column(key, label, render, numeric=True, figure=key, **options)


# Labels by value: `get_state_display()` flattens the choices on every call.
_STATE_LABELS = dict(OrderState.choices)
_PAYMENT_STATUS_LABELS = dict(PaymentStatus.choices)


def _state(order: ListRow) -> SafeString:
    label = _STATE_LABELS.get(order.state, order.state)
    return badge_html("order_state", order.state, label)


def _payment_status(order: ListRow) -> SafeString:
    label = _PAYMENT_STATUS_LABELS.get(order.payment_status, order.payment_status)
    return badge_html("payment_status", order.payment_status, label)


def _currency(order: ListRow) -> str:
    return order.currency


def _figure_label(key: str) -> str:
    found = FIGURES[key]
    return format_html(
        '<abbr class="figure" title="{}" tabindex="0">{}</abbr>', found.help, found.label
    )


ORDER_COLUMNS: tuple[Column, ...] = (
    Column("number", "Order", _number, sort="number", required=True),
    Column("placed_at", "Placed at", _placed_at, sort="placed_at"),
    Column("store", "Store", _store),
    Column("customer", "Customer", _customer, sort="customer"),
    _amount("grand_total", "Grand Total", sort="grand_total", help=FIGURES["grand_total"].help),
    _amount("total_paid", "Total Paid", default=False),
    _amount("total_refunded", "Total Refunded", default=False),
    _amount("total_due", _figure_label("total_due"), due=True),
    Column("currency", "Currency", _currency, default=False),
    Column("state", "State", _state, sort="state"),
    Column("payment_status", "Payment status", _payment_status, sort="payment_status"),
)

ORDER_GRID = GridSpec(
    name="orders",
    url_name="orders:list",
    columns=ORDER_COLUMNS,
    default_per_page=ORDERS_PER_PAGE,
    param_names=ORDER_GRID_PARAMS,
)


def rows_html(orders: Sequence[ListRow], columns: Sequence[Column], *, selectable: bool) -> str:
    """The `<tr>`s of orders (each with its `figures`) in one string, each row's `<td>`s
    written once (`backoffice.grids.cells_html`), after the box that ticks it for a mass
    action when `selectable`: a template loop over the rows cost more than writing them."""
    select = _select_cell if selectable else _no_select_cell
    return safe("".join([_ROW.format(select(o) + cells_html(o, columns)) for o in orders]))


_ROW = "\n<tr>\n  {}\n</tr>\n"


def _no_select_cell(order: ListRow) -> str:
    return ""


def _select_cell(order: ListRow) -> str:
    number = escaped(order.number)
    return (
        f'<td class="col-select"><input type="checkbox" name="orders" value="{number}"'
        f' form="mass-actions" aria-label="Select order #{number}"></td>'
    )


def order_rows_html(orders: Sequence[Order], *, now: datetime | None = None) -> str:
    """Orders' rows with the default columns and no select box (the dashboard)."""
    return rows_html(with_figures(orders, now=now), ORDER_GRID.chosen_columns([]), selectable=False)
