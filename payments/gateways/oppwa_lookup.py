"""OPPWA's transaction reports: what became of a request whose answer we lost, and OPPWA's
own view of a payment (`reconcile_payments --against-gateway`).

- `find`: `GET /v1/query?entityId=…&merchantTransactionId=…` lists the transactions sent with
  that merchantTransactionId; ours is the one of the same payment type and amount (on the same
  transaction, when several match). OPPWA's
  "cannot find transaction" (700.400.580), or no such entry, proves it was never applied:
  None (the caller waits for the in-flight grace before believing it).
- `snapshot`: `GET /v1/query/{id}?entityId=…&includeLinkedTransactions=true` lists the
  payment and every transaction linked to it (captures, reversals, refunds, rebills,
  chargebacks and their reversals), summed by type in minor units; pending ones are in flight.
"""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from backoffice.money import currency_digits
from payments.gateways.base import GatewayError, GatewayResult, GatewaySnapshot
from payments.gateways.oppwa_calls import OppwaRequest, is_not_found, query, result_of
from payments.gateways.oppwa_codes import SUCCESSFUL, Outcome, classify
from payments.gateways.oppwa_config import amount_text

if TYPE_CHECKING:
    from payments.models import GatewayAccount

# Which snapshot amounts each OPPWA payment type moves (a CR takes a chargeback back).
EFFECTS: Mapping[str, tuple[tuple[str, int], ...]] = {
    "PA": (("authorized", 1),),
    "DB": (("authorized", 1), ("captured", 1)),
    "RB": (("authorized", 1), ("captured", 1)),
    "CP": (("captured", 1),),
    "RV": (("voided", 1),),
    "RF": (("refunded", 1),),
    "CB": (("charged_back", 1),),
    "CR": (("charged_back", -1),),
}


def entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The transactions of a query's answer (a list under `payments`, or the one answered)."""
    listed = body.get("payments")
    if isinstance(listed, list):
        return [entry for entry in listed if isinstance(entry, dict)]
    return [body] if body.get("id") else []


def find(
    account: "GatewayAccount | None", req: OppwaRequest, *, timeout: float
) -> GatewayResult | None:
    body = query(
        account,
        "/v1/query",
        {"merchantTransactionId": req.merchant_transaction_id},
        timeout=timeout,
    )
    if is_not_found(body):
        return None
    wanted = amount_text(req.amount, req.currency)
    ours = [
        entry
        for entry in entries(body)
        if entry.get("paymentType") == req.payment_type and entry.get("amount") == wanted
    ]
    # The one on the same transaction first (a Transaction ID another store's staff used too).
    same = [entry for entry in ours if entry.get("referencedId") == req.reference]
    found = same or ours
    return result_of(found[-1]) if found else None


def snapshot(
    account: "GatewayAccount | None", reference: str, *, timeout: float
) -> GatewaySnapshot | None:
    body = query(
        account,
        f"/v1/query/{reference}",
        {"includeLinkedTransactions": "true"},
        timeout=timeout,
    )
    if is_not_found(body):
        return None
    found = entries(body)
    if not found:
        raise GatewayError(f"OPPWA's answer about {reference} lists no transaction.")
    return of(reference, found)


def of(reference: str, found: list[dict[str, Any]]) -> GatewaySnapshot:
    totals = dict.fromkeys(("authorized", "captured", "refunded", "voided", "charged_back"), 0)
    in_flight: dict[str, int] = {}
    currency = ""
    for entry in found:
        result = entry.get("result") or {}
        outcome = classify(str(result.get("code") or "")).outcome
        currency = currency or str(entry.get("currency") or "").upper()
        amount = _minor(entry)
        for name, sign in EFFECTS.get(str(entry.get("paymentType") or ""), ()):
            if outcome in SUCCESSFUL:
                totals[name] += sign * amount
            elif outcome in (Outcome.PENDING, Outcome.UNKNOWN):
                in_flight[name] = in_flight.get(name, 0) + sign * amount
    return GatewaySnapshot(reference=reference, currency=currency, in_flight=in_flight, **totals)


def _minor(entry: dict[str, Any]) -> int:
    """OPPWA's "10.50" back to minor units of its currency."""
    try:
        value = Decimal(str(entry.get("amount") or "0"))
        return int(value.scaleb(currency_digits(str(entry.get("currency") or "EUR"))))
    except (InvalidOperation, ValueError) as error:
        raise GatewayError(f"OPPWA sent an unreadable amount: {entry.get('amount')!r}") from error


def payment_of(account: "GatewayAccount | None", tid: str, *, timeout: float) -> str:
    """The OPPWA id of the payment (PA or DB) transaction `tid` belongs to, following its
    `referencedId`s (`GET /v1/query/{id}`); `tid` itself when OPPWA can't tell."""
    current = tid
    for _hop in range(4):  # RF → CP → PA, CR → CB → CP → PA at most
        body = query(account, f"/v1/query/{current}", {}, timeout=timeout)
        referenced = str(body.get("referencedId") or "") if not is_not_found(body) else ""
        if not referenced:
            return current
        current = referenced
    return current
