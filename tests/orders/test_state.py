"""The order state service: the transition table, Hold/Unhold, payment review."""

import pytest

from orders.enums import CommentKind, OrderState
from orders.services.state import (
    TRANSITIONS,
    StateTransitionError,
    order_change_state,
    order_enter_payment_review,
    order_hold,
    order_leave_payment_review,
    order_unhold,
)
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
S = OrderState


def test_every_state_has_a_row_and_final_states_lead_nowhere():
    assert set(TRANSITIONS) == set(S.values)
    assert TRANSITIONS[S.CLOSED] == TRANSITIONS[S.CANCELED] == frozenset()


def test_a_change_writes_a_status_comment_and_bumps_the_version():
    user = UserFactory()
    order = OrderFactory(state=S.NEW)
    version = order.version
    assert order_change_state(order=order, to=S.PROCESSING, actor=user, reason="Paid.")
    order.refresh_from_db()
    assert (order.state, order.version) == (S.PROCESSING, version + 1)
    comment = order.comments.get()
    assert comment.kind == CommentKind.STATUS
    assert comment.body == "Order state changed from New to Processing. Paid."
    assert comment.author == user


def test_a_move_outside_the_table_is_refused_and_writes_nothing():
    order = OrderFactory(state=S.CANCELED)
    with pytest.raises(StateTransitionError, match="can't go from Canceled to Processing"):
        order_change_state(order=order, to=S.PROCESSING)
    order.refresh_from_db()
    assert order.state == S.CANCELED and not order.comments.exists()


def test_same_state_is_a_no_op():
    order = OrderFactory(state=S.PROCESSING)
    assert order_change_state(order=order, to=S.PROCESSING) is False
    assert not order.comments.exists()


@pytest.mark.parametrize("state", [S.NEW, S.PENDING_PAYMENT, S.PROCESSING])
def test_hold_and_unhold_return_to_the_previous_state(state):
    user = UserFactory()
    order = OrderFactory(state=state)
    held = order_hold(order=order, actor=user)
    assert (held.state, held.state_before_hold) == (S.HOLDED, state)
    back = order_unhold(order=order, actor=user)
    assert (back.state, back.state_before_hold) == (state, "")
    assert [c.body for c in order.comments.order_by("pk")] == [
        f"Order state changed from {S(state).label} to On hold.",
        f"Order state changed from On hold to {S(state).label}.",
    ]


@pytest.mark.parametrize("state", [S.PAYMENT_REVIEW, S.COMPLETE, S.CLOSED, S.CANCELED, S.HOLDED])
def test_some_states_cannot_be_held(state):
    with pytest.raises(StateTransitionError):
        order_hold(order=OrderFactory(state=state), actor=None)


def test_unhold_needs_a_held_order():
    with pytest.raises(StateTransitionError, match="not on hold"):
        order_unhold(order=OrderFactory(state=S.PROCESSING), actor=None)


def test_payment_review_remembers_the_state_to_return_to():
    order = OrderFactory(state=S.COMPLETE)
    assert order_enter_payment_review(order=order, reason="Refund outcome unknown.")
    assert (order.state, order.state_before_review) == (S.PAYMENT_REVIEW, S.COMPLETE)
    assert order_leave_payment_review(order=order, reason="Resolved.")
    order.refresh_from_db()
    assert (order.state, order.state_before_review) == (S.COMPLETE, "")


def test_review_starting_during_a_hold_resumes_after_unhold():
    order = OrderFactory(state=S.PROCESSING)
    order = order_hold(order=order, actor=None)
    order_enter_payment_review(order=order, reason="Capture outcome unknown.")
    assert (order.state, order.state_before_hold) == (S.HOLDED, S.PAYMENT_REVIEW)
    order = order_unhold(order=order, actor=None)
    assert (order.state, order.state_before_review) == (S.PAYMENT_REVIEW, S.PROCESSING)
    order_leave_payment_review(order=order, reason="Resolved.")
    assert order.state == S.PROCESSING


def test_review_ending_during_a_hold_makes_unhold_return_to_the_old_state():
    order = order_hold(order=OrderFactory(state=S.NEW), actor=None)
    order_enter_payment_review(order=order, reason="Unknown.")
    order_leave_payment_review(order=order, reason="Resolved.")
    assert (order.state, order.state_before_hold) == (S.HOLDED, S.NEW)
    assert order_unhold(order=order, actor=None).state == S.NEW


def test_a_final_order_keeps_its_state_but_the_history_says_review_is_needed():
    order = OrderFactory(state=S.CLOSED)
    assert order_enter_payment_review(order=order, reason="Chargeback outcome unknown.") is False
    assert order.state == S.CLOSED
    assert order.comments.get().body == "Payment needs review. Chargeback outcome unknown."
