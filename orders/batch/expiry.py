"""expire_authorizations: release authorizations past their expiry, cancel the orders they leave
with nothing captured (Smartpay's 7-day rule; the validity comes from each gateway account).

One item is an order with at least one expired open authorization (`orders.batch.expiring`):

1. Under the order lock (one transaction): re-check; the authorizations the gateway no longer
   holds are marked expired (`Payment.is_expired`: nothing can capture them any more); when
   nothing was captured on the order and no other authorization stays open, its unpaid open
   invoices and the items not invoiced are canceled; the history says what expired and when.
2. Each expired remainder is released through the money engine's void service, keyed
   `expire_authorizations:<order pk>:<payment pk>:void|expired` (the same on every run):
   - online while the gateway may still hold it (within the account's validity): the gateway
     releases the cardholder's hold, or declines because it expired on its side (the sandbox
     does once its own expiry passed); a decline is then recorded as below;
   - otherwise an offline reversal records the expired remainder.
   Voiding the last open money of an order with nothing captured cancels the order: the money
   engine's state sync moves it through the order state service, which writes the history.

Held orders and orders in payment review are left alone and reported: Unhold, or let
reconcile_payments finish, and the next run releases them.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from backoffice.batch.results import ItemResult, done, failed, skipped
from backoffice.batch.runner import BatchJob
from backoffice.errors import DomainError
from backoffice.money import format_money
from orders.batch.expiring import (
    FINAL_STATES,
    expired_q,
    expiry_of,
    gateway_still_holds,
    has_expired,
    is_open_authorization,
    local_date,
    open_authorization_q,
)
from orders.batch.expiry_chunk import expire_chunk
from orders.batch.expiry_documents import cancel_documents
from orders.batch.expiry_plan import (
    BATCH,
    Plan,
    Release,
    Released,
    cancel_if_nothing_left,
    cancels_order,
    expiry_comment,
)
from orders.enums import CommentKind, CommentSource, OrderState
from orders.history import comment_money
from orders.models import Order
from orders.services.invoice_outcome import authorization_label
from payments.ledger import uncaptured_remainder
from payments.locks import lock_order_and_payments
from payments.models import Payment, Transaction
from payments.services import Outcome, payment_void

# Orders the job leaves alone: the summary row, and what lets the job go on (why the order is
# left alone comes from the one table of state reasons, `Order.money_block`).
_LEFT_ALONE = {
    OrderState.HOLDED: ("order on hold", "Unhold it to let the job release"),
    OrderState.PAYMENT_REVIEW: (
        "order in payment review",
        "once reconcile_payments settles it, the job releases",
    ),
}


class ExpireAuthorizations(BatchJob[Order]):
    name = "expire_authorizations"
    title = "Expire authorizations"
    noun = "order"
    # Every write is redone by the next run under the same keys, and an authorization past
    # its expiry can't be captured by anyone meanwhile (the registry refuses): see
    # `claims.commit_mode`.
    redo_safe = True

    def __init__(self, *, store_code: str | None = None, now: datetime | None = None) -> None:
        self.store_code = store_code
        self.now = now or timezone.now()
        self._expired = expired_q(self.now)

    def candidates(self, *, among: list[int] | None = None) -> QuerySet[Order]:
        within = {} if among is None else {"order_id__in": among}
        expired = Payment.objects.filter(
            open_authorization_q(), self._expired, order=OuterRef("pk"), **within
        )
        return self.scope().filter(Exists(expired))  # `among` is in the subquery

    def scope(self) -> QuerySet[Order]:
        orders = Order.objects.exclude(state__in=FINAL_STATES)
        if self.store_code:
            orders = orders.filter(store__code=self.store_code)
        return orders

    def label(self, item: Order) -> str:
        return f"#{item.number}"

    # -- dry run -------------------------------------------------------------------------------

    def preview(self, item: Order) -> ItemResult:
        payments = list(item.payments.select_related("gateway_account").order_by("pk"))
        releases = self.releases_of(item, payments)
        if not releases:
            return skipped("nothing expired", "nothing has expired any more", quiet=True)
        if item.state in _LEFT_ALONE:
            return self._left_alone(item, releases)
        cancels = cancels_order(payments, releases)
        online = all(r.online for r in releases)
        outcome = "would void online" if online else "would record as expired"
        if cancels:
            outcome += ", cancel the order"
        parts = [describe(r, "would be voided online" if r.online else None) for r in releases]
        tail = "; the order would be canceled (nothing was captured)" if cancels else ""
        amount = sum(r.amount for r in releases)
        return done(outcome, "; ".join(parts) + tail, amount=amount, currency=item.currency)

    # -- the work ------------------------------------------------------------------------------

    def process_chunk(self, items: list[Order]) -> dict[int, ItemResult]:
        return expire_chunk(self, items)

    def process(self, item: Order, *, key: str) -> ItemResult:
        plan = self._prepare(item.pk, key=key)
        if isinstance(plan, ItemResult):
            return plan
        results = [self._release(release, key=key) for release in plan.releases]
        canceled = self._finish(plan, results)
        return self.outcome_of(plan, results, canceled)

    def releases_of(self, order: Order, payments: list[Payment]) -> list[Release]:
        releases = []
        for payment in payments:
            if not is_open_authorization(payment) or not has_expired(payment, now=self.now):
                continue
            expiry = expiry_of(payment)
            releases.append(
                Release(
                    payment=payment,
                    amount=uncaptured_remainder(payment),
                    online=gateway_still_holds(payment, now=self.now),
                    expired_on=local_date(expiry, order.store) if expiry else "an unknown date",
                )
            )
        return releases

    def _left_alone(self, order: Order, releases: list[Release]) -> ItemResult:
        outcome, then = _LEFT_ALONE[OrderState(order.state)]
        block = order.money_block()
        why = block.why if block is not None else order.get_state_display().lower()
        money = format_money(sum(r.amount for r in releases), order.currency)
        return skipped(outcome, f"{why}: {then} the {money} that expired.")

    def recheck(self, order: Order, releases: list[Release]) -> ItemResult | None:
        """Under the lock: why the order is left as it is, or None to go on."""
        if not releases:
            return skipped("nothing expired", "released meanwhile; nothing to do", quiet=True)
        if order.state in _LEFT_ALONE:
            return self._left_alone(order, releases)
        if order.state in FINAL_STATES:
            return skipped("order closed", f"the order is {order.get_state_display()}.")
        return None

    def _prepare(self, order_id: int, *, key: str) -> Plan | ItemResult:
        """Step 1, under the order lock: re-check, mark expired, cancel documents, history.

        Run again after a crash, it finds the same authorizations and writes only what is
        missing: a payment already marked expired, or already sent to the gateway, has had
        its comment.
        """
        with transaction.atomic(durable=True):
            order, payments = lock_order_and_payments(order_id)
            releases = self.releases_of(order, payments)
            if (verdict := self.recheck(order, releases)) is not None:
                return verdict
            marked = [r.payment for r in releases if not r.online and not r.payment.is_expired]
            for payment in marked:
                # A fact, not a cached amount: nothing may capture it from now on. Its cached
                # status follows with the reversal's recompute, moments later in step 2.
                payment.is_expired = True
                payment.save(update_fields=["is_expired", "updated_at"])
            asked = _already_asked(releases, key=key)
            sentences = [
                expiry_comment(release)
                for release in releases
                if release.payment in marked or (release.online and release.payment.pk not in asked)
            ]
            cancels = cancels_order(payments, releases)
            documents = ""
            if cancels:
                documents, sentence = cancel_documents(order)
                sentences += [sentence] if sentence else []
            if sentences:
                comment_money(
                    order=order,
                    kind=CommentKind.AUTHORIZATION,
                    body=" ".join(sentences),
                    source=CommentSource.BATCH,
                )
            order.version += 1  # forms opened before this are stale now
            order.save(update_fields=["version", "updated_at"])
        return Plan(order=order, releases=releases, cancels_order=cancels, documents=documents)

    def _release(self, release: Release, *, key: str) -> Released:
        """Step 2 for one authorization: the money engine's void, online first if it can."""
        payment = release.payment
        base = f"{key}:{payment.pk}"
        if release.online:
            try:
                result = payment_void(
                    payment=payment,
                    actor=None,
                    idempotency_key=f"{base}:void",
                    online=True,
                    after_expiry=True,
                    source=BATCH,
                )
            except DomainError as exc:
                return Released(release, problem=exc.message)
            if result.ok:
                return Released(release, how="online")
            if result.outcome != Outcome.DECLINED:
                return Released(release, problem=result.message, waiting=result.outcome)
            # Declined: the gateway no longer holds it. Recorded as expired, like any other.
            _mark_expired(payment)
        try:
            result = payment_void(
                payment=payment,
                actor=None,
                idempotency_key=f"{base}:expired",
                online=False,
                source=BATCH,
                memo=f"Authorization expired on {release.expired_on}.",
            )
        except DomainError as exc:
            return Released(release, problem=exc.message)
        return Released(release, how="offline")

    def _finish(self, plan: Plan, results: list[Released]) -> bool:
        """Whether the order ended canceled; cancels it here if the state sync could not."""
        state = Order.objects.values_list("state", flat=True).get(pk=plan.order.pk)
        if state == OrderState.CANCELED:
            return True
        if not plan.cancels_order or not all(r.how for r in results):
            return False
        with transaction.atomic(durable=True):
            order, payments = lock_order_and_payments(plan.order.pk)
            return cancel_if_nothing_left(order, payments)

    def outcome_of(self, plan: Plan, results: list[Released], canceled: bool) -> ItemResult:
        order = plan.order
        parts = [describe(r.release, how_text(r)) for r in results]
        if canceled:
            parts.append("order canceled" + (f" ({plan.documents})" if plan.documents else ""))
        message = "; ".join(parts)
        released = sum(r.release.amount for r in results if r.how)
        waiting = {r.waiting for r in results if r.waiting}
        if Outcome.UNKNOWN in waiting:
            return failed(
                "no answer from the gateway", message, amount=released, currency=order.currency
            )
        if waiting:
            return skipped("pending at the gateway", message)
        if not released:
            return skipped("refused", message)
        hows = {r.how for r in results if r.how}
        outcome = "voided online" if hows == {"online"} else "recorded as expired"
        if hows == {"online", "offline"}:
            outcome = "voided online / expired"
        if canceled:
            outcome += ", order canceled"
        return done(outcome, message, amount=released, currency=order.currency)


def _mark_expired(payment: Payment) -> None:
    """As in step 1: the fact under the lock; the reversal that follows recomputes."""
    with transaction.atomic(durable=True):
        _order, payments = lock_order_and_payments(payment.order_id)
        locked = next(p for p in payments if p.pk == payment.pk)
        if not locked.is_expired:
            locked.is_expired = True
            locked.save(update_fields=["is_expired", "updated_at"])


def _already_asked(releases: list[Release], *, key: str) -> set[int]:
    """Payments whose online void an earlier run already sent (and commented)."""
    keys = [f"{key}:{r.payment.pk}:void" for r in releases if r.online]
    if not keys:
        return set()
    return set(
        Transaction.objects.filter(idempotency_key__in=keys).values_list("payment_id", flat=True)
    )


def describe(release: Release, how: str | None) -> str:
    """A release on the order's result line: what expired, and what became of it."""
    payment = release.payment
    money = format_money(release.amount, payment.currency)
    what = how or "would be recorded as expired"
    return f"{authorization_label(payment)} expired on {release.expired_on}, {money} {what}"


def how_text(released: Released) -> str:
    if released.how == "online":
        return "voided online"
    if released.how == "offline":
        return "recorded as expired"
    return f"not released: {released.problem.rstrip('.')}"
