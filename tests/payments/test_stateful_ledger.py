"""Random sequences of money operations against a simple in-memory model.

Hypothesis drives authorize, capture (part, full, too much; online and offline), void,
refund (online and offline), Mark as paid, chargeback, chargeback reversal, Hold/Unhold,
gateway faults (decline, timeouts before and after applying, server error, pending), double
submits and reconcile. After every step the database must equal the model: the same ledger
rows with the same statuses, the same cached amounts (which must also equal a recompute from
the rows), the same order state, the invariants, and a sandbox PSP that applied exactly what
the model says it did.
"""

from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from backoffice.errors import DomainError, ErrorCode
from orders.models import Order
from orders.services.state import StateTransitionError, order_hold, order_unhold
from payments.ledger import compute_amounts
from payments.models import Payment, SandboxCharge, Transaction
from payments.services import (
    OperationResult,
    chargeback_reverse,
    order_mark_as_paid,
    payment_authorize,
    payment_capture,
    payment_chargeback,
    payment_refund,
    payment_void,
)
from tests.factories import OrderFactory
from tests.payments.money_helpers import key, sandbox_account, staff

GRAND_TOTAL = 20000
BLOCKING = {"holded", "payment_review", "canceled", "closed"}
FINAL = {"canceled", "closed"}

# Faults the sandbox injects (via the setting) and what the ledger must then say.
FAULTS = [None] * 10 + ["decline", "timeout_after", "timeout_before", "server_error", "pending"]
OUTCOME = {
    None: ("success", "applied"),
    "decline": ("failed", "refused"),
    "timeout_after": ("unknown", "applied"),
    "timeout_before": ("unknown", "never"),
    "server_error": ("unknown", "never"),
    "pending": ("pending", "pending"),
}
# Amounts are multiples of 50 minor units, so no amount ever ends in a magic 51–56.
amounts = st.integers(2, 80).map(lambda n: n * 50)
choices = st.sampled_from(["full", "part", "over"])


@dataclass
class MTxn:
    pk: int
    type: str
    amount: int
    status: str
    online: bool
    gateway: str = "none"  # none | applied | never | refused | pending
    parent: int | None = None


@dataclass
class MPayment:
    pk: int
    manual: bool
    txns: list[MTxn] = field(default_factory=list)

    def total(self, types: set[str], statuses: set[str], online: bool | None = None) -> int:
        return sum(
            t.amount
            for t in self.txns
            if t.type in types and t.status in statuses and (online is None or t.online == online)
        )

    @property
    def amounts(self) -> dict[str, int]:
        ok, open_ = {"success"}, {"pending", "unknown"}
        return {
            "amount_authorized": self.total({"PA", "MP"}, ok),
            "amount_captured": self.total({"CP", "MP"}, ok),
            "amount_refunded": self.total({"RF"}, ok),
            "amount_voided": self.total({"RV"}, ok),
            "amount_charged_back": self.total({"CB"}, ok) - self.total({"CR"}, ok),
            "pending_authorization": self.total({"PA"}, open_),
            "pending_capture": self.total({"CP"}, open_),
            "pending_refund": self.total({"RF"}, open_),
            "pending_void": self.total({"RV"}, open_),
        }

    @property
    def authorized_ok(self) -> bool:
        return any(t.type == "PA" and t.status == "success" for t in self.txns)

    @property
    def open_authorization(self) -> int:
        a = self.amounts
        return (
            a["amount_authorized"]
            - a["amount_captured"]
            - a["amount_voided"]
            - a["pending_capture"]
            - a["pending_void"]
        )

    @property
    def refundable(self) -> int:
        a = self.amounts
        return (
            a["amount_captured"]
            - a["amount_refunded"]
            - a["pending_refund"]
            - a["amount_charged_back"]
        )

    @property
    def online_refundable(self) -> int:
        taken = self.total({"CP"}, {"success"}, online=True)
        return taken - self.total({"RF"}, {"success", "pending", "unknown"}, online=True)

    def gateway_total(self, type_: str) -> int:
        return sum(t.amount for t in self.txns if t.type == type_ and t.gateway == "applied")


class LedgerMachine(RuleBasedStateMachine):
    @initialize(
        amount=st.integers(20, 300).map(lambda n: n * 50),
        captured=st.sampled_from(["nothing", "part", "full"]),
    )
    def setup(self, amount: int, captured: str) -> None:
        """A new order whose checkout authorized `amount` (≤ the total), maybe captured."""
        self.actor = staff("stateful")
        self.order = OrderFactory(state="new", subtotal=GRAND_TOTAL, shipping_amount=0)
        sandbox_account(self.order.store)
        self.payments: list[MPayment] = []
        self.state, self.before_review, self.before_hold = "new", "", ""
        self.last: tuple | None = None
        self.blocked_checked = ""
        self.authorize(amount, None)
        if captured != "nothing":
            self.capture(0, captured, True, None)

    # -- helpers -------------------------------------------------------------------------------

    def pick(self, index: int, *, card: bool = False) -> MPayment:
        """A payment; `card` prefers those with an authorization (captures, voids)."""
        pool = [m for m in self.payments if not m.manual] if card else []
        pool = pool or self.payments
        return pool[index % len(pool)]

    def db_payment(self, m: MPayment) -> Payment:
        return Payment.objects.get(pk=m.pk)

    def amount_for(self, choice: str, left: int) -> int:
        if left <= 0:
            return 100
        if choice == "full":
            return left
        if choice == "over":
            return left + 50
        return max(50, left // 2 // 50 * 50)

    def expect_refused(self, code: ErrorCode, call) -> None:
        before = Transaction.objects.count()
        with pytest.raises(DomainError) as raised:
            call()
        assert raised.value.code == code, raised.value
        assert Transaction.objects.count() == before

    def check_amount(self, amount: int, left: int, call) -> bool:
        """False (and asserts the refusal) when the service must refuse."""
        if left <= 0:
            self.expect_refused(ErrorCode.NOT_AVAILABLE, call)
            return False
        if amount > left:
            self.expect_refused(ErrorCode.AMOUNT_EXCEEDS, call)
            return False
        return True

    def record(self, m: MPayment, result: OperationResult, fault: str | None, online: bool, call):
        txn = result.transaction
        assert not result.replayed
        status, gateway = OUTCOME[fault] if online else ("success", "none")
        assert (txn.status, result.outcome) == (
            status,
            {"failed": "declined"}.get(status, status),
        )
        m.txns.append(
            MTxn(txn.pk, txn.type, txn.amount, status, online, gateway, parent=txn.parent_id)
        )
        self.last = (call, txn.pk)
        self.sync_state()

    def sync_state(self) -> None:
        """The order state rules, written independently of the code under test."""
        review = any(t.status in {"unknown", "pending"} for m in self.payments for t in m.txns)
        if review:
            if self.state not in FINAL and self.state != "payment_review":
                self.before_review, self.state = self.state, "payment_review"
            return
        if self.state == "payment_review":
            self.state, self.before_review = self.before_review, ""
        if self.state in BLOCKING:
            return
        totals = [m.amounts for m in self.payments]
        captured = sum(a["amount_captured"] for a in totals)
        back = sum(a["amount_refunded"] + a["amount_charged_back"] for a in totals)
        authorized = sum(a["amount_authorized"] for a in totals)
        voided = sum(a["amount_voided"] for a in totals)
        open_auth = sum(m.open_authorization for m in self.payments)
        if open_auth == 0 and captured > 0 and captured - back <= 0:
            self.state = "closed"
        elif (
            open_auth == 0
            and captured == 0
            and authorized > 0
            and voided >= authorized
            and self.state == "processing"
        ):
            self.state = "pending_payment"  # Void only voids: the order awaits payment again
        elif self.state in {"new", "pending_payment"} and (captured > 0 or open_auth > 0):
            self.state = "processing"

    def run(self, fault: str | None, call) -> OperationResult:
        with override_settings(SANDBOX_FORCED_FAULT=fault):
            return call()

    # -- rules ---------------------------------------------------------------------------------

    @precondition(lambda self: self.state not in BLOCKING)
    @rule(amount=amounts, fault=st.sampled_from(FAULTS))
    def authorize(self, amount: int, fault: str | None) -> None:
        def call():
            return payment_authorize(
                order=self.order, amount=amount, actor=self.actor, idempotency_key=k
            )

        k = key()
        result = self.run(fault, call)
        m = MPayment(result.transaction.payment_id, manual=False)
        self.payments.append(m)
        self.record(m, result, fault, True, call)

    @precondition(lambda self: self.payments and self.state not in BLOCKING)
    @rule(
        index=st.integers(0, 9), choice=choices, online=st.booleans(), fault=st.sampled_from(FAULTS)
    )
    def capture(self, index: int, choice: str, online: bool, fault: str | None) -> None:
        m = self.pick(index, card=True)
        left = m.open_authorization
        amount = self.amount_for(choice, left)
        k = key()

        def call():
            return payment_capture(
                payment=self.db_payment(m),
                amount=amount,
                online=online,
                actor=self.actor,
                idempotency_key=k,
            )

        if not m.authorized_ok:
            self.expect_refused(ErrorCode.NOT_AVAILABLE, call)
            return
        if self.check_amount(amount, left, call):
            self.record(m, self.run(fault, call), fault, online, call)

    @precondition(lambda self: self.payments and self.state not in BLOCKING)
    @rule(index=st.integers(0, 9), fault=st.sampled_from(FAULTS))
    def void(self, index: int, fault: str | None) -> None:
        m = self.pick(index, card=True)
        k = key()

        def call():
            return payment_void(payment=self.db_payment(m), actor=self.actor, idempotency_key=k)

        if m.manual or not m.authorized_ok or m.open_authorization <= 0:
            self.expect_refused(ErrorCode.NOT_AVAILABLE, call)
            return
        result = self.run(fault, call)
        assert result.transaction.amount == m.open_authorization
        self.record(m, result, fault, True, call)

    @precondition(lambda self: self.payments and self.state not in BLOCKING)
    @rule(
        index=st.integers(0, 9), choice=choices, online=st.booleans(), fault=st.sampled_from(FAULTS)
    )
    def refund(self, index: int, choice: str, online: bool, fault: str | None) -> None:
        m = self.pick(index)
        left = min(m.refundable, m.online_refundable) if online else m.refundable
        amount = self.amount_for(choice, left)
        k = key()

        def call():
            return payment_refund(
                payment=self.db_payment(m),
                amount=amount,
                online=online,
                actor=self.actor,
                idempotency_key=k,
            )

        if online and m.manual:
            self.expect_refused(ErrorCode.NOT_AVAILABLE, call)
            return
        if self.check_amount(amount, left, call):
            self.record(m, self.run(fault, call), fault, online, call)

    @precondition(lambda self: self.state not in BLOCKING)
    @rule(choice=choices)
    def mark_as_paid(self, choice: str) -> None:
        paid = sum(
            a["amount_captured"] + a["pending_capture"] - a["amount_refunded"]
            for a in (m.amounts for m in self.payments)
        )
        outstanding = GRAND_TOTAL - paid - sum(m.open_authorization for m in self.payments)
        amount = self.amount_for(choice, outstanding)
        k = key()

        def call():
            return order_mark_as_paid(
                order=self.order,
                amount=amount,
                merchant_reference="",
                memo="",
                actor=self.actor,
                idempotency_key=k,
            )

        if not self.check_amount(amount, outstanding, call):
            return
        result = call()
        m = MPayment(result.transaction.payment_id, manual=True)
        self.payments.append(m)
        self.record(m, result, None, False, call)

    @precondition(lambda self: self.payments)
    @rule(index=st.integers(0, 9), choice=choices)
    def chargeback(self, index: int, choice: str) -> None:
        m = self.pick(index)
        amount = self.amount_for(choice, m.refundable)
        k = key()

        def call():
            return payment_chargeback(
                payment=self.db_payment(m), amount=amount, actor=self.actor, idempotency_key=k
            )

        # Chargebacks are recorded whatever the order's state.
        if self.check_amount(amount, m.refundable, call):
            self.record(m, call(), None, False, call)

    @precondition(lambda self: any(t.type == "CB" for m in self.payments for t in m.txns))
    @rule(index=st.integers(0, 9), choice=choices)
    def chargeback_reversal(self, index: int, choice: str) -> None:
        pairs = [(m, t) for m in self.payments for t in m.txns if t.type == "CB"]
        m, cb = pairs[index % len(pairs)]
        reversed_ = sum(t.amount for t in m.txns if t.type == "CR" and t.parent == cb.pk)
        left = min(cb.amount - reversed_, m.amounts["amount_charged_back"])
        amount = self.amount_for(choice, left)
        k = key()

        def call():
            return chargeback_reverse(
                chargeback=Transaction.objects.get(pk=cb.pk),
                amount=amount,
                actor=self.actor,
                idempotency_key=k,
            )

        if self.check_amount(amount, left, call):
            self.record(m, call(), None, False, call)

    # Once per blocked state is enough: the refusal doesn't depend on the operation's amounts.
    @precondition(lambda self: self.state in BLOCKING and self.state != self.blocked_checked)
    @rule(operation=st.sampled_from(["authorize", "capture", "void", "refund", "mark_as_paid"]))
    def blocked_operation(self, operation: str) -> None:
        """On hold, in payment review, canceled or closed: every operation is refused."""
        payment = Payment.objects.filter(order=self.order).first()
        calls = {
            "authorize": lambda: payment_authorize(
                order=self.order, amount=1000, actor=self.actor, idempotency_key=key()
            ),
            "mark_as_paid": lambda: order_mark_as_paid(
                order=self.order,
                amount=100,
                merchant_reference="",
                memo="",
                actor=self.actor,
                idempotency_key=key(),
            ),
        }
        if payment is not None:
            calls["capture"] = lambda: payment_capture(
                payment=payment, amount=100, online=True, actor=self.actor, idempotency_key=key()
            )
            calls["void"] = lambda: payment_void(
                payment=payment, actor=self.actor, idempotency_key=key()
            )
            calls["refund"] = lambda: payment_refund(
                payment=payment, amount=100, online=False, actor=self.actor, idempotency_key=key()
            )
        self.expect_refused(ErrorCode.NOT_AVAILABLE, calls.get(operation, calls["authorize"]))
        self.blocked_checked = self.state

    @precondition(lambda self: self.last is not None)
    @rule()
    def double_submit(self) -> None:
        call, pk = self.last
        before = Transaction.objects.count()
        result = call()
        assert result.replayed and result.transaction.pk == pk
        assert Transaction.objects.count() == before

    @precondition(lambda self: self.state not in FINAL)
    @rule()
    def hold_or_unhold(self) -> None:
        if self.state == "holded":
            order_unhold(order=self.order, actor=self.actor)
            self.state, self.before_hold = self.before_hold, ""
        elif self.state in {"new", "pending_payment", "processing"}:
            order_hold(order=self.order, actor=self.actor)
            self.before_hold, self.state = self.state, "holded"
        else:
            with pytest.raises(StateTransitionError):
                order_hold(order=self.order, actor=self.actor)

    @rule()
    def reconcile(self) -> None:
        # Time passes: every request has had the in-flight grace to land.
        call_command(
            "reconcile_payments", "--grace-seconds", "0", stdout=StringIO(), stderr=StringIO()
        )
        resolved = False
        for m in self.payments:
            for t in m.txns:
                if t.status in {"unknown", "pending"}:
                    t.status = "success" if t.gateway in {"applied", "pending"} else "failed"
                    if t.gateway == "pending":
                        t.gateway = "applied"
                    resolved = True
        if resolved:  # with nothing to resolve, reconcile leaves the order alone
            self.sync_state()

    # -- what must hold after every step -------------------------------------------------------

    @invariant()
    def database_equals_the_model(self) -> None:
        if not hasattr(self, "order"):
            return
        order = Order.objects.get(pk=self.order.pk)
        assert order.state == self.state
        for m in self.payments:
            payment = Payment.objects.get(pk=m.pk)
            rows = list(Transaction.objects.filter(payment=payment).order_by("pk"))
            assert [(r.type, r.amount, r.status) for r in rows] == [
                (t.type, t.amount, t.status) for t in m.txns
            ]
            cached = {name: getattr(payment, name) for name in m.amounts}
            assert cached == m.amounts
            assert compute_amounts(rows).as_fields() == cached
            a = cached
            assert 0 <= a["amount_captured"] <= a["amount_authorized"]
            assert (
                a["amount_refunded"] + a["pending_refund"] + a["amount_charged_back"]
                <= a["amount_captured"]
            )
            assert a["amount_voided"] <= a["amount_authorized"] - a["amount_captured"]
            if payment.gateway_reference and not m.manual:
                charge = SandboxCharge.objects.get(reference=payment.gateway_reference)
                assert charge.amount_authorized == m.gateway_total("PA")
                assert charge.amount_captured == m.gateway_total("CP")
                assert charge.amount_refunded == m.gateway_total("RF")
                assert charge.amount_voided == m.gateway_total("RV")


@pytest.mark.django_db
def test_ledger_matches_a_simple_model_under_random_operations():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
