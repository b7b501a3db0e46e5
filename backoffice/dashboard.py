"""The dashboard's reads: it sits on top of every app (ARCHITECTURE.md, Layers); nothing
below imports it.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from backoffice.counting import RowCount, count_rows
from backoffice.dashboard_money import dashboard_money
from backoffice.models import Store
from backoffice.permissions import store_permissions, visible_stores_q
from backoffice.store_settings import SETTINGS_PERMISSION
from orders.approvals.selectors import awaiting_approvals
from orders.batch.expiring import authorizations_expiring
from orders.enums import OrderState
from orders.filters import open_to_capture_orders_q
from orders.grid import order_rows_html
from orders.models import Order
from payments.enums import PaymentStatus

RECENT_ORDERS = 10
# A tile's count may take longer than a grid's total (5 ms, asked on every page of a search):
# counting 10,001 orders open to capture takes ~20 ms at a million orders, where the planner's
# estimate of them was 13 times low.
TILE_COUNT_TIMEOUT_MS = 50
# The "Authorizations expiring soon" card: what `expire_authorizations --warn-hours 24` lists.
EXPIRING_WITHIN_HOURS = 24
EXPIRING_ROWS = 10
APPROVAL_ROWS = 20
# The cards whose whole list the dashboard draws on `?<card>=all` (their count's link).
FULL_LISTS = ("approvals", "expiring")


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    count: RowCount
    hint: str
    # Query string of the order list that shows exactly these orders.
    query: str


def dashboard_summary(*, user: User, full: frozenset[str] = frozenset()) -> dict:
    """Every figure with the list it counts: a KPI links to the order list filtered to exactly
    its orders; the approvals and expiring cards show their first rows, and all of them when
    `full` names the card (`?approvals=all`, `?expiring=all`)."""
    orders = Order.objects.filter(visible_stores_q(user))
    now = timezone.now()
    # Each number counted through its own index, exact up to the grids' bound and estimated
    # beyond, as the order list it links to counts its total (`backoffice.counting`): one scan
    # of every order for all four took 280 ms at a million. Awaiting capture: an authorization
    # past its expiry is not (payments.figures), even before expire_authorizations has marked
    # it; by the database's clock, as the list's filter (its estimate is kept a minute).
    to_capture = Q(payment_status=PaymentStatus.AUTHORIZED) & open_to_capture_orders_q(Now())
    counts = {
        name: count_rows(orders.filter(condition), timeout_ms=TILE_COUNT_TIMEOUT_MS)
        for name, condition in (
            ("processing", Q(state=OrderState.PROCESSING)),
            ("on_hold", Q(state=OrderState.HOLDED)),
            ("payment_review", Q(state=OrderState.PAYMENT_REVIEW)),
            ("to_capture", to_capture),
        )
    }
    kpis = [
        Kpi(
            "processing",
            "Processing",
            counts["processing"],
            "Paid or invoiced, to fulfil",
            "state=processing",
        ),
        Kpi(
            "on_hold", "On hold", counts["on_hold"], "Waiting for someone to unhold", "state=holded"
        ),
        Kpi(
            "payment_review",
            "Payment review",
            counts["payment_review"],
            "Gateway outcome unknown or suspected fraud",
            "state=payment_review",
        ),
        Kpi(
            "to_capture",
            "Authorized, awaiting capture",
            counts["to_capture"],
            "Capture before the authorization expires",
            "payment_status=authorized&capture=open",
        ),
    ]
    newest = orders.select_related("store").order_by("-placed_at", "-id")[:RECENT_ORDERS]
    recent = list(newest)
    return {
        "kpis": kpis,
        "recent_orders": recent,
        # Grand Total, Total Due…: the order list's cells.
        "recent_rows": order_rows_html(recent, now=now),
        "can_approve": store_permissions(user).has_anywhere("approve_refund"),
        "settings_stores": _settings_stores(user),
        **_awaiting_approval(user, full="approvals" in full),
        **_expiring_soon(user, full="expiring" in full),
        **dashboard_money(user=user, now=now),
    }


def _settings_stores(user: User) -> list[Store]:
    """The stores whose settings page (four-eyes threshold, window) the user may change."""
    perms = store_permissions(user)
    stores = Store.objects.filter(visible_stores_q(user, field="pk"))
    return [store for store in stores if perms.has(SETTINGS_PERMISSION, store)]


def _awaiting_approval(user: User, *, full: bool) -> dict:
    """Four-eyes: requests waiting for a decision, with who may decide them."""
    awaiting = awaiting_approvals(user=user, limit=None if full else APPROVAL_ROWS)
    return {"approvals": awaiting.rows, "approvals_count": awaiting.total}


def _expiring_soon(user: User, *, full: bool) -> dict:
    expiring = authorizations_expiring(within=timedelta(hours=EXPIRING_WITHIN_HOURS)).filter(
        visible_stores_q(user, field="order__store_id")
    )
    return {
        "expiring": list(expiring if full else expiring[:EXPIRING_ROWS]),
        "expiring_count": expiring.count(),
        "expiring_hours": EXPIRING_WITHIN_HOURS,
    }
