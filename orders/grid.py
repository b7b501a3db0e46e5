"""The order grid's columns: each renders its cell once, in Python (issue 21: a per-row include
and per-cell tags were most of the list's time), from the row's order and its `figures`
(`orders.list_selectors.with_figures`). The template prints the cells; its markup stays the same."""

from collections.abc import Callable, Sequence
from datetime import datetime

from django.utils.html import format_html
from django.utils.safestring import SafeString

from backoffice.badges import badge_html
from backoffice.display import display_locale
from backoffice.grids import Cell, Column, GridSpec, cells_html, grid_cells
from backoffice.html_text import escaped, safe
from backoffice.money import format_money
from orders.enums import OrderState
from orders.filters import ORDER_GRID_PARAMS
from orders.list_selectors import ORDERS_PER_PAGE, with_figures
from orders.models import Order
from orders.order_urls import order_url
from payments.enums import PaymentStatus
from payments.figures import FIGURES
from payments.templatetags.transactions import stacked_time


def money(minor: int, currency: str) -> str:
    """As the `money` filter shows it: in the user's chosen locale, else the default one."""
    locale = display_locale()
    return format_money(minor, currency, locale=locale) if locale else format_money(minor, currency)


# The cells below write their HTML with f-strings and `escaped` (each part escaped, as
# `format_html` would): `format_html`'s lazy-string wrappers cost more than a row's data.


def _number(order: Order) -> Cell:
    number = escaped(order.number)
    url = escaped(order_url("orders:detail", order.number))
    return Cell(safe(f'<a class="link-strong" href="{url}">#{number}</a>'))


def _placed_at(order: Order) -> Cell:
    return Cell(stacked_time(order.placed_at, order.store.timezone))


def _store(order: Order) -> Cell:
    store = order.store
    name, code = escaped(store.name), escaped(store.code.upper())
    return Cell(safe(f'<span class="store-tag" title="{name}">{code}</span>'))


def _customer(order: Order) -> Cell:
    return Cell(
        safe(
            f'<div class="cell-stack"><span>{escaped(order.customer_name)}</span>'
            f'<span class="muted small">{escaped(order.customer_email)}</span></div>'
        )
    )


def _amount(figure: str, *, due: bool = False) -> Callable[[Order], Cell]:
    def render(order: Order) -> Cell:
        minor = getattr(order.figures, figure)  # type: ignore[attr-defined]
        text = escaped(money(minor, order.currency))
        if due and minor:
            text = f'<span class="amount-due">{text}</span>'
        return Cell(safe(text), css="num", figure=figure)

    return render


# Labels by value: `get_state_display()` flattens the choices on every call.
_STATE_LABELS = dict(OrderState.choices)
_PAYMENT_STATUS_LABELS = dict(PaymentStatus.choices)


def _state(order: Order) -> Cell:
    label = _STATE_LABELS.get(order.state, order.state)
    return Cell(badge_html("order_state", order.state, label))


def _payment_status(order: Order) -> Cell:
    label = _PAYMENT_STATUS_LABELS.get(order.payment_status, order.payment_status)
    return Cell(badge_html("payment_status", order.payment_status, label))


def _currency(order: Order) -> Cell:
    return Cell(order.currency)


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
    Column(
        "grand_total",
        "Grand Total",
        _amount("grand_total"),
        numeric=True,
        sort="grand_total",
        help=FIGURES["grand_total"].help,
    ),
    Column("total_paid", "Total Paid", _amount("total_paid"), numeric=True, default=False),
    Column(
        "total_refunded", "Total Refunded", _amount("total_refunded"), numeric=True, default=False
    ),
    Column("total_due", _figure_label("total_due"), _amount("total_due", due=True), numeric=True),
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


def with_cells(
    orders: Sequence[Order], columns: Sequence[Column], *, selectable: bool = False
) -> Sequence[Order]:
    """Each order (with its `figures`) gets its `cells` for `orders/_order_rows.html`: its
    `<td>`s as one string (`backoffice.grids.cells_html`), after the box that ticks it for a
    mass action when `selectable`."""
    for order in orders:
        cells = cells_html(grid_cells(order, columns))
        order.cells = _select_cell(order) + cells if selectable else cells  # type: ignore[attr-defined]
    return orders


def _select_cell(order: Order) -> SafeString:
    number = escaped(order.number)
    return safe(
        f'<td class="col-select"><input type="checkbox" name="orders" value="{number}"'
        f' form="mass-actions" aria-label="Select order #{number}"></td>'
    )


def order_rows(orders: Sequence[Order], *, now: datetime | None = None) -> Sequence[Order]:
    """Orders drawn by `orders/_order_rows.html` with the default columns (the dashboard)."""
    return with_cells(with_figures(orders, now=now), ORDER_GRID.chosen_columns([]))
