"""Payments made at checkout (imports, demo data, the storefront) in the order's history.

Magento with a gateway tells a checkout payment in two entries: the shop's when the order was
placed ("Authorized amount of $61.00."), then the gateway's acceptance with its transaction ID
("Authorization of $61.00 accepted by the gateway, transaction ID psp-auth-1."). A sale says
"Authorized and captured amount of …" and "Authorization and capture of … accepted by the
gateway". Later captures, refunds and voids are the gateway's messages as for any operation.
"""

from datetime import datetime

from orders.enums import CommentKind
from orders.history import comment_checkout
from orders.models import Order
from payments.enums import TransactionType
from payments.models import Transaction
from payments.services import checkout_texts

T = TransactionType

# A payment made at checkout: an authorization, or a sale (the money captured at once).
CHECKOUT_KINDS = {T.AUTHORIZATION: CommentKind.AUTHORIZATION, T.DEBIT: CommentKind.CAPTURE}


def checkout_payment_comments(txn: Transaction, *, order: Order, accepted_at: datetime) -> None:
    """The shop's entry when the order was placed, then the gateway's acceptance (never dated
    before it), both linked to the payment's transaction."""
    shop, gateway = checkout_texts(txn)
    comment_checkout(
        order=order,
        kind=CHECKOUT_KINDS[T(txn.type)],
        transaction=txn,
        shop=shop,
        gateway=gateway,
        accepted_at=accepted_at,
    )
