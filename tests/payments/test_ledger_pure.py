"""The pure ledger rules, on plain data (no database)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from orders.services.money_state import order_state_for_money
from payments.enums import PaymentStatus, TransactionStatus, TransactionType
from payments.figures import OrderFigures, order_figures
from payments.ledger import (
    LedgerRowData,
    aggregate_order_status,
    compute_amounts,
    compute_status,
)

T, S = TransactionType, TransactionStatus
NOW = datetime(2026, 11, 10, 12, tzinfo=UTC)


def rows(*items: tuple[str, str, int]) -> list[LedgerRowData]:
    return [LedgerRowData(type=t, status=s, amount=a) for t, s, a in items]


def test_settled_rows_fill_the_amounts_and_failed_rows_count_for_nothing():
    amounts = compute_amounts(
        rows(
            (T.AUTHORIZATION, S.SUCCESS, 10000),
            (T.CAPTURE, S.SUCCESS, 4000),
            (T.CAPTURE, S.FAILED, 6000),
            (T.REFUND, S.SUCCESS, 1000),
            (T.CHARGEBACK, S.SUCCESS, 500),
            (T.CHARGEBACK_REVERSAL, S.SUCCESS, 200),
            (T.REVERSAL, S.SUCCESS, 6000),
        )
    )
    assert amounts.amount_authorized == 10000
    assert amounts.amount_captured == 4000
    assert amounts.amount_refunded == 1000
    assert amounts.amount_charged_back == 300
    assert amounts.amount_voided == 6000
    assert not amounts.has_unknown


def test_a_partial_chargeback_keeps_the_real_status_a_full_one_is_charged_back():
    captured = ((T.AUTHORIZATION, S.SUCCESS, 3000), (T.CAPTURE, S.SUCCESS, 3000))
    partial = compute_amounts(rows(*captured, (T.CHARGEBACK, S.SUCCESS, 1000)))
    refunded_then_partial = compute_amounts(
        rows(*captured, (T.REFUND, S.SUCCESS, 500), (T.CHARGEBACK, S.SUCCESS, 1000))
    )
    rest_charged_back = compute_amounts(
        rows(*captured, (T.REFUND, S.SUCCESS, 1000), (T.CHARGEBACK, S.SUCCESS, 2000))
    )
    reversed_ = compute_amounts(
        rows(
            *captured,
            (T.CHARGEBACK, S.SUCCESS, 3000),
            (T.CHARGEBACK_REVERSAL, S.SUCCESS, 3000),
        )
    )

    assert compute_status(partial) == PaymentStatus.CAPTURED
    assert compute_status(refunded_then_partial) == PaymentStatus.PARTIALLY_REFUNDED
    assert compute_status(rest_charged_back) == PaymentStatus.CHARGED_BACK
    assert compute_status(reversed_) == PaymentStatus.CAPTURED


def test_a_standing_chargeback_shows_at_order_level_partially_or_fully():
    def order_status(charged_back: int, refunded: int = 0) -> PaymentStatus:
        return aggregate_order_status(
            [PaymentStatus.PARTIALLY_REFUNDED if refunded else PaymentStatus.CAPTURED],
            grand_total=3000,
            captured=3000,
            refunded=refunded,
            authorized=3000,
            charged_back=charged_back,
        )

    assert order_status(0) == PaymentStatus.CAPTURED
    assert order_status(1000) == PaymentStatus.PARTIALLY_CHARGED_BACK
    assert order_status(3000) == PaymentStatus.CHARGED_BACK
    # Not hidden behind "partially refunded": the dispute is what staff must see.
    assert order_status(0, refunded=1000) == PaymentStatus.PARTIALLY_REFUNDED
    assert order_status(500, refunded=1000) == PaymentStatus.PARTIALLY_CHARGED_BACK
    assert order_status(2000, refunded=1000) == PaymentStatus.CHARGED_BACK


def test_open_rows_reserve_their_amount_and_unknown_requires_action():
    amounts = compute_amounts(
        rows(
            (T.AUTHORIZATION, S.SUCCESS, 10000),
            (T.CAPTURE, S.PENDING, 3000),
            (T.REFUND, S.UNKNOWN, 100),
            (T.REVERSAL, S.PENDING, 7000),
        )
    )
    assert (amounts.pending_capture, amounts.pending_refund, amounts.pending_void) == (
        3000,
        100,
        7000,
    )
    assert amounts.amount_captured == 0
    assert compute_status(amounts) == PaymentStatus.REQUIRES_ACTION


def test_debits_rebills_and_manual_payments_are_authorized_and_captured_at_once():
    amounts = compute_amounts(
        rows((T.DEBIT, S.SUCCESS, 5000), (T.REBILL, S.SUCCESS, 700), (T.MANUAL, S.SUCCESS, 300))
    )
    assert amounts.amount_authorized == amounts.amount_captured == 6000


@dataclass
class P:
    amount_authorized: int = 0
    amount_captured: int = 0
    amount_refunded: int = 0
    amount_voided: int = 0
    amount_charged_back: int = 0
    pending_capture: int = 0
    pending_void: int = 0
    pending_refund: int = 0
    pending_authorization: int = 0
    is_expired: bool = False
    expires_at: datetime | None = None


def outstanding_amount(*, grand_total: int, payments: list[P], now: datetime) -> int:
    figures = order_figures(
        payments=payments, grand_total=grand_total, credited=0, canceled=False, now=now
    )
    return figures.outstanding


def test_outstanding_counts_open_authorizations_and_pending_captures_as_covered():
    open_auth = P(amount_authorized=6100, expires_at=NOW + timedelta(days=1))
    half_paid = P(amount_authorized=6100, amount_captured=3000, pending_capture=1000)
    assert outstanding_amount(grand_total=12200, payments=[open_auth, half_paid], now=NOW) == 0


def test_outstanding_ignores_expired_authorizations_and_adds_back_refunds():
    expired = P(amount_authorized=6100, expires_at=NOW - timedelta(seconds=1))
    refunded = P(amount_authorized=6100, amount_captured=6100, amount_refunded=1000)
    assert outstanding_amount(grand_total=12200, payments=[expired, refunded], now=NOW) == 7100


def test_state_for_money_closes_when_everything_captured_went_back():
    money = OrderFigures(authorized=100, total_paid=100, total_refunded=60, total_charged_back=40)
    assert order_state_for_money("processing", money) == "closed"
    assert order_state_for_money("complete", money) == "closed"


def test_state_for_money_awaits_payment_when_everything_was_voided_and_nothing_captured():
    """Void only voids (issue 15): the order awaits payment again; only Cancel cancels it."""
    assert order_state_for_money("processing", OrderFigures(authorized=100, voided=100)) == (
        "pending_payment"
    )


def test_state_for_money_moves_new_orders_to_processing_once_money_is_there():
    assert (
        order_state_for_money("new", OrderFigures(authorized=100, open_to_capture=100))
        == "processing"
    )
    assert order_state_for_money("new", OrderFigures()) is None


def test_state_for_money_leaves_held_reviewed_final_and_reserved_orders_alone():
    gone = OrderFigures(authorized=100, total_paid=100, total_refunded=100)
    for state in ["holded", "payment_review", "canceled", "closed"]:
        assert order_state_for_money(state, gone) is None
    reserved = OrderFigures(authorized=100, total_paid=100, total_refunded=100, reserved=10)
    assert order_state_for_money("processing", reserved) is None
    open_auth = OrderFigures(
        authorized=200, total_paid=100, total_refunded=100, open_to_capture=100
    )
    assert order_state_for_money("processing", open_auth) is None
