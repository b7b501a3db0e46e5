"""What became of a Stripe request whose answer we lost, once its key has expired at Stripe.

Within Stripe's 24 hours `StripeGateway.lookup` replays the request with the same key and
body (Stripe answers as it did the first time, or runs it now if it never arrived). After
that, the key kept in Stripe's own records tells: a capture's marker in the PaymentIntent's
metadata, a refund's, a rebill's or an on-file authorization's key in its metadata, a void by
the PaymentIntent's status.
None only when those records prove the request never took effect.
"""

import stripe

from payments.gateways.base import GatewayResult
from payments.gateways.stripe_calls import (
    CAPTURE,
    KEY_FIELD,
    REFUND,
    VOID,
    StripeRequest,
    capture_marker,
    result_of,
)


def search(client: stripe.StripeClient, req: StripeRequest) -> GatewayResult | None:
    v1 = client.v1
    if req.kind in {CAPTURE, VOID}:
        intent = v1.payment_intents.retrieve(req.reference).to_dict(for_json=True)
        if req.kind == CAPTURE:
            metadata = intent.get("metadata") or {}
            return result_of(req, intent) if capture_marker(req.key) in metadata else None
        return result_of(req, intent) if intent.get("status") == "canceled" else None
    if req.kind == REFUND:
        refunds = v1.refunds.list({"payment_intent": req.reference, "limit": 100})
        for refund in refunds.auto_paging_iter():
            found = refund.to_dict(for_json=True)
            if (found.get("metadata") or {}).get(KEY_FIELD) == req.key:
                return result_of(req, found)
        return None
    hits = v1.payment_intents.search({"query": f"metadata['{KEY_FIELD}']:'{req.key}'"})
    for hit in hits.data:
        return result_of(req, hit.to_dict(for_json=True))
    return None
