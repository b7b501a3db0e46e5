"""A validated order's checkout payments checked with their gateways, for the file import and
the API alike, after `parse_order_data` and before the one writer (`order_import`).

A refusal is a field error on the payment (`payments[0].reference: PaymentIntent pi_… is
canceled at Stripe: …`): the import reports it on the line, the API answers 400 with the path.
What the gateway says (card brand and last 4, expiry) replaces what was sent.
"""

from dataclasses import replace

from backoffice.models import Store
from orders.importing.fields import FieldError, LineInvalid
from orders.importing.records import OrderRecord
from payments.checkout_intake import CheckoutFacts, CheckoutRefusal, checkout_payment_check
from payments.enums import PaymentAction


def record_checked_with_gateways(record: OrderRecord, *, store: Store) -> OrderRecord:
    """`record` with each payment as its gateway knows it, or LineInvalid with every refusal.

    Calls the gateways: run it outside any transaction."""
    errors: list[FieldError] = []
    payments = []
    for index, payment in enumerate(record.payments):
        answer = checkout_payment_check(
            store=store,
            gateway=payment.gateway,
            reference=payment.reference,
            amount=payment.amount,
            captured=payment.action == PaymentAction.AUTHORIZE_CAPTURE,
        )
        if isinstance(answer, CheckoutRefusal):
            errors.append(FieldError(f"payments[{index}].{answer.field}", answer.message))
        elif isinstance(answer, CheckoutFacts):
            payment = replace(
                payment,
                card_brand=answer.card_brand or payment.card_brand,
                card_last4=answer.card_last4 or payment.card_last4,
                expires_at=answer.expires_at,
                gateway_response=answer.gateway_response,
            )
        payments.append(payment)
    if errors:
        raise LineInvalid(errors, number=record.number)
    return replace(record, payments=tuple(payments))
