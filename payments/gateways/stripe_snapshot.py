"""Stripe's own view of a payment (`Gateway.snapshot`), for `reconcile_payments
--against-gateway`: the PaymentIntent, its refunds and its disputes, in minor units.

- authorized: the PaymentIntent's amount once authorized (requires_capture, succeeded or
  canceled); captured: `amount_received`; voided: what a canceled PaymentIntent released (on a
  one-capture account Stripe also releases what a partial capture leaves, which our ledger
  doesn't record as a void: not reported either);
- refunded: succeeded refunds; pending ones are in flight;
- charged back: disputes whose funds are withdrawn and not reinstated (lost, or still open
  past the inquiry stage); a won dispute nets to zero.

None when Stripe has no such PaymentIntent; `GatewayError` when it doesn't answer properly.
"""

from typing import Any

import stripe

from payments.gateways.base import GatewayError, GatewaySnapshot
from payments.gateways.stripe_webhooks import INQUIRY_STATUSES

AUTHORIZED_STATUSES = {"requires_capture", "succeeded", "canceled"}


def snapshot(client: stripe.StripeClient, reference: str) -> GatewaySnapshot | None:
    try:
        intent = client.v1.payment_intents.retrieve(reference).to_dict(for_json=True)
        found_refunds = client.v1.refunds.list({"payment_intent": reference, "limit": 100})
        found_disputes = client.v1.disputes.list({"payment_intent": reference, "limit": 100})
        refunds = [r.to_dict(for_json=True) for r in found_refunds.auto_paging_iter()]
        disputes = [d.to_dict(for_json=True) for d in found_disputes.auto_paging_iter()]
    except stripe.InvalidRequestError as error:
        if error.code == "resource_missing":
            return None
        raise GatewayError(f"Stripe refused the lookup: {error.user_message}") from error
    except stripe.StripeError as error:
        raise GatewayError(f"Stripe did not answer the lookup: {error.user_message}") from error
    return of(intent, refunds, disputes)


def of(
    intent: dict[str, Any], refunds: list[dict[str, Any]], disputes: list[dict[str, Any]]
) -> GatewaySnapshot:
    status = str(intent.get("status") or "")
    amount, received = int(intent["amount"]), int(intent.get("amount_received") or 0)
    pending = sum(int(r["amount"]) for r in refunds if r.get("status") == "pending")
    in_flight = {"refunded": pending} if pending else {}
    return GatewaySnapshot(
        reference=str(intent["id"]),
        currency=str(intent["currency"]).upper(),
        authorized=amount if status in AUTHORIZED_STATUSES else 0,
        captured=received,
        refunded=sum(int(r["amount"]) for r in refunds if r.get("status") == "succeeded"),
        voided=amount - received if status == "canceled" else 0,
        charged_back=sum(int(d["amount"]) for d in disputes if _withdrawn(d)),
        in_flight=in_flight,
    )


def _withdrawn(dispute: dict[str, Any]) -> bool:
    status = str(dispute.get("status") or "")
    return status not in INQUIRY_STATUSES and status != "won"
