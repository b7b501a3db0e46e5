"""Is a validated order the one already stored under its number? (the API's 200 or 409)

What the storefront sent is compared with what the import wrote from it: the order's own
fields, its addresses, its items and its checkout payments (the first ones by id: payments
added later in the back office are not the storefront's). What the back office did since
(invoices, captures, state) is not the storefront's either and is not compared.
"""

from collections.abc import Sequence
from typing import Any

from orders.enums import AddressKind
from orders.importing.records import AddressRecord, OrderRecord
from orders.models import Order, OrderAddress
from payments.checkout_intake import CHECKED_GATEWAYS

# What `order_differences` reads: prefetch these with the store.
SAMENESS_PREFETCH = ("addresses", "items", "payments")
ADDRESS_FIELDS = ("name", "street", "city", "region", "postcode", "country", "phone")


def order_differences(record: OrderRecord, order: Order) -> list[str]:
    """The field paths where `record` differs from `order` ([] when it is the same order).

    Reads the order's store, addresses, items and payments: prefetch them."""
    differences = [
        path
        for path, sent, stored in (
            ("store", record.store_code, order.store.code),
            ("currency", record.currency, order.currency),
            ("placed_at", record.placed_at, order.placed_at),
            ("customer.email", record.customer_email, order.customer_email),
            ("customer.name", record.customer_name, order.customer_name),
            ("shipping.method", record.shipping_method, order.shipping_method),
            ("shipping.amount", record.shipping_amount, order.shipping_amount),
        )
        if sent != stored
    ]
    addresses = {a.kind: a for a in order.addresses.all()}
    differences += _address_differences(
        "billing_address", record.billing_address, addresses.get(AddressKind.BILLING)
    )
    differences += _address_differences(
        "shipping_address", record.shipping_address, addresses.get(AddressKind.SHIPPING)
    )
    differences += _rows_differences(
        "items",
        [(i.sku, i.name, i.qty, i.unit_price, i.tax, i.discount) for i in record.items],
        [
            (i.sku, i.name, i.qty_ordered, i.unit_price, i.tax_amount, i.discount_amount)
            for i in order.items.all()
        ],
        exact_count=True,
    )
    differences += _rows_differences(
        "payments",
        [_sent_payment(p) for p in record.payments],
        [_stored_payment(p) for p in sorted(order.payments.all(), key=lambda p: p.pk)],
        exact_count=False,
    )
    return differences


def _address_differences(
    path: str, sent: AddressRecord | None, stored: OrderAddress | None
) -> list[str]:
    if sent is None or stored is None:
        return [] if sent is None and stored is None else [path]
    return [
        f"{path}.{name}" for name in ADDRESS_FIELDS if getattr(sent, name) != getattr(stored, name)
    ]


def _rows_differences(
    path: str, sent: Sequence[tuple], stored: Sequence[tuple], *, exact_count: bool
) -> list[str]:
    """Rows compared by position; `exact_count=False` ignores stored rows added later."""
    if len(stored) < len(sent) or (exact_count and len(stored) != len(sent)):
        return [path]
    return [f"{path}[{index}]" for index, row in enumerate(sent) if row != stored[index]]


def _sent_payment(payment: Any) -> tuple:
    return (
        payment.gateway,
        payment.action,
        payment.amount,
        payment.reference,
        payment.authorized_at,
        *_card(payment.gateway, payment.card_brand, payment.card_last4),
        payment.method_title,
    )


def _stored_payment(payment: Any) -> tuple:
    return (
        payment.gateway,
        payment.payment_action,
        payment.amount_requested,
        payment.gateway_reference,
        payment.authorized_at,
        *_card(payment.gateway, payment.card_brand, payment.card_last4),
        payment.method_title,
    )


def _card(gateway: str, brand: str, last4: str) -> tuple[str, str]:
    """The card as the storefront sent it; a checked gateway's (Stripe's) card is the
    gateway's own (`orders.importing.gateway_checks`), not compared."""
    return ("", "") if gateway in CHECKED_GATEWAYS else (brand, last4)
