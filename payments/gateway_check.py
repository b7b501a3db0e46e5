"""Reads for the comparison with the PSP (`--against-gateway`): the payments in scope with
their ledger rows, and the adapters' snapshots, a chunk at a time.

A fixed number of queries per chunk whatever its size: the payments, their rows (prefetched),
and one `snapshot_many` call per gateway account in the chunk (two queries for the sandbox).
Read only.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import batched

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from backoffice.money import format_money
from payments.gateway_compare import Comparison, compare
from payments.gateways import UnknownGateway, get_gateway
from payments.gateways.base import GatewayError, GatewaySnapshot, SnapshotUnsupported
from payments.models import Payment, Transaction


class Verdict(StrEnum):
    AGREES = "agrees"
    IN_FLIGHT = "in flight"
    DIFFERS = "differs"
    NOTHING_TO_COMPARE = "nothing to compare"
    CANNOT_COMPARE = "cannot compare"
    LOOKUP_FAILED = "lookup failed"


@dataclass(frozen=True)
class PaymentCheck:
    payment: Payment
    verdict: Verdict
    comparison: Comparison = field(default_factory=Comparison)
    reason: str = ""  # why it was not compared, or the gateway's error


@dataclass(frozen=True)
class _NotCompared:
    verdict: Verdict
    reason: str


type _Answer = GatewaySnapshot | GatewayError | _NotCompared | None


def payments_in_scope(
    *, store_code: str | None = None, since: datetime | None = None
) -> QuerySet[Payment]:
    """Payments with their ledger rows; `since`: created, or with a ledger row, since then."""
    rows = Transaction.objects.only("payment_id", "type", "status", "amount", "is_online")
    payments = Payment.objects.select_related("order", "gateway_account__store").prefetch_related(
        Prefetch("transactions", queryset=rows)
    )
    if store_code:
        payments = payments.filter(order__store__code=store_code)
    if since is not None:
        recent_rows = Transaction.objects.filter(payment=OuterRef("pk"), created_at__gte=since)
        payments = payments.filter(Q(created_at__gte=since) | Exists(recent_rows))
    return payments.order_by("pk")


def payment_checks(
    payments: QuerySet[Payment], *, limit: int | None = None, chunk_size: int = 500
) -> Iterator[PaymentCheck]:
    """Each payment (at most `limit`) compared with what its gateway reports, in pk order."""
    selected = payments[:limit] if limit else payments
    for chunk in batched(selected.iterator(chunk_size=chunk_size), chunk_size):
        answers = _answers(chunk)
        for payment in chunk:
            yield _check(payment, answers[payment.pk])


def _answers(chunk: Iterable[Payment]) -> dict[int, _Answer]:
    """{payment pk: its snapshot, None (unknown at the PSP), the error, or why not asked}."""
    answers: dict[int, _Answer] = {}
    # One adapter per gateway account: whose keys to ask with (Stripe's are per store).
    by_gateway: dict[tuple[str, int | None], list[Payment]] = {}
    for payment in chunk:
        by_gateway.setdefault((payment.gateway, payment.gateway_account_id), []).append(payment)
    for (code, _account), payments in by_gateway.items():
        account = payments[0].gateway_account
        try:
            adapter = get_gateway(account if account and account.gateway == code else code)
        except UnknownGateway as error:
            answers.update(dict.fromkeys((p.pk for p in payments), _cannot(str(error))))
            continue
        if not adapter.online:
            reason = "a manual payment: no gateway holds it"
            answers.update(dict.fromkeys((p.pk for p in payments), _nothing(reason)))
            continue
        referenced = [p for p in payments if p.gateway_reference]
        for payment in payments:
            if not payment.gateway_reference:
                answers[payment.pk] = _nothing("no reference at the gateway yet")
        try:
            found = adapter.snapshot_many([p.gateway_reference for p in referenced])
        except SnapshotUnsupported as error:
            answers.update(dict.fromkeys((p.pk for p in referenced), _cannot(str(error))))
            continue
        except GatewayError as error:
            answers.update(dict.fromkeys((p.pk for p in referenced), error))
            continue
        answers.update({p.pk: found.get(p.gateway_reference) for p in referenced})
    return answers


def _nothing(reason: str) -> _NotCompared:
    return _NotCompared(Verdict.NOTHING_TO_COMPARE, reason)


def _cannot(reason: str) -> _NotCompared:
    return _NotCompared(Verdict.CANNOT_COMPARE, reason)


def _check(payment: Payment, answer: _Answer) -> PaymentCheck:
    if isinstance(answer, _NotCompared):
        return PaymentCheck(payment, answer.verdict, reason=answer.reason)
    if isinstance(answer, GatewayError):
        return PaymentCheck(payment, Verdict.LOOKUP_FAILED, reason=str(answer))
    comparison = compare(
        rows=payment.transactions.all(), currency=payment.currency, snapshot=answer
    )
    if comparison.differences:
        verdict = Verdict.DIFFERS
    else:
        verdict = Verdict.IN_FLIGHT if comparison.in_flight else Verdict.AGREES
    return PaymentCheck(payment, verdict, comparison)


# -- what staff read -------------------------------------------------------------------------


def describe_differences(check: PaymentCheck) -> str:
    """ "refunded: ours $0.00, PSP $20.00; captured: …" """
    currency = check.payment.currency
    return "; ".join(
        f"{d.field}: {d.note}"
        if d.note
        else f"{d.field}: ours {format_money(d.ours, currency)}, "
        f"PSP {format_money(d.theirs, currency)}"
        for d in check.comparison.differences
    )


def describe_in_flight(check: PaymentCheck) -> str:
    """ "captured: $50.55 awaiting an answer here, $50.55 pending at the PSP" """
    currency = check.payment.currency
    parts = []
    for item in check.comparison.in_flight:
        sides = []
        if item.ours:
            sides.append(f"{format_money(item.ours, currency)} awaiting an answer here")
        if item.theirs:
            sides.append(f"{format_money(item.theirs, currency)} pending at the PSP")
        parts.append(f"{item.field}: {', '.join(sides)}")
    return "; ".join(parts)


def describe(check: PaymentCheck) -> str:
    """The whole line after the payment's label."""
    flight = describe_in_flight(check)
    if check.verdict == Verdict.DIFFERS:
        text = describe_differences(check)
        return f"{text} (in flight: {flight})" if flight else text
    if check.verdict == Verdict.IN_FLIGHT:
        return f"in flight, not a difference: {flight}"
    if check.verdict == Verdict.AGREES:
        return "the PSP reports the same amounts"
    return f"{check.verdict}: {check.reason}"
