"""Many plain orders fast, for benchmarks (`seed_demo --orders 100000`).

Rows are inserted with bulk_create in batches, one transaction per batch: orders, two
addresses, 1–5 items, one payment with a successful pre-authorization (some already expired)
per order. Every CHECK constraint holds. Each batch draws from its own seeded Random, so the
data is the same on every run and a re-run skips the numbers that already exist.
"""

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from backoffice.demo.catalogue import CARD_BRANDS, PRODUCTS, STORE_COUNTRIES, TAX_BPS, price_in
from backoffice.models import Store
from orders.enums import AddressKind, OrderState
from orders.models import Order, OrderAddress, OrderItem
from payments.enums import PaymentAction, TransactionSource, TransactionStatus, TransactionType
from payments.ledger import LedgerRowData, aggregate_order_status, compute_amounts, compute_status
from payments.models import GatewayAccount, Payment, Transaction

FIRST_NUMBER = 500000001
BATCH_SIZE = 2000
STORE_CODES = ("us", "eu", "jp")
STORE_WEIGHTS = (45, 33, 22)
# Pre-computed so the hot loop only picks from lists.
QTY_CHOICES = (1, 1, 1, 2, 2, 3)
ITEM_COUNTS = (1, 1, 2, 2, 2, 3, 3, 4, 5)


def demo_orders_bulk_create(
    *,
    count: int,
    stores: dict[str, Store],
    now: datetime,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Create up to `count` benchmark orders numbered from FIRST_NUMBER; returns how many."""
    accounts = {a.store_id: a for a in GatewayAccount.objects.filter(gateway="sandbox")}
    created = 0
    for start in range(0, count, BATCH_SIZE):
        size = min(BATCH_SIZE, count - start)
        created += _batch(start=start, size=size, stores=stores, accounts=accounts, now=now)
        if on_batch is not None:
            on_batch(size)
    return created


def _batch(
    *,
    start: int,
    size: int,
    stores: dict[str, Store],
    accounts: dict[int, GatewayAccount],
    now: datetime,
) -> int:
    rng = random.Random(f"bulk:{start}")
    numbers = [str(FIRST_NUMBER + start + i) for i in range(size)]
    existing = set(Order.objects.filter(number__in=numbers).values_list("number", flat=True))
    drafts = [_draft(number, stores, now, rng) for number in numbers]
    drafts = [d for d in drafts if d.order.number not in existing]
    if not drafts:
        return 0
    with transaction.atomic():
        Order.objects.bulk_create([d.order for d in drafts])
        addresses, items, payments = [], [], []
        for d in drafts:
            for address in d.addresses:
                address.order = d.order
            for item in d.items:
                item.order = d.order
            d.payment.order = d.order
            d.payment.gateway_account = accounts.get(d.order.store_id)
            addresses += d.addresses
            items += d.items
            payments.append(d.payment)
        OrderAddress.objects.bulk_create(addresses)
        OrderItem.objects.bulk_create(items)
        Payment.objects.bulk_create(payments)
        Transaction.objects.bulk_create(
            [
                Transaction(
                    payment=p,
                    order=p.order,
                    store_id=p.order.store_id,
                    type=TransactionType.AUTHORIZATION,
                    status=TransactionStatus.SUCCESS,
                    amount=p.amount_requested,
                    currency=p.currency,
                    is_online=True,
                    gateway_reference=p.gateway_reference,
                    idempotency_key=f"bulk:{p.order.number}:0:PA",
                    source=TransactionSource.IMPORT,
                    # The authorization happened when the payment says (set at the insert:
                    # the ledger never changes a row's created_at).
                    created_at=p.authorized_at or timezone.now(),
                )
                for p in payments
            ]
        )
    return len(drafts)


class _Draft:
    __slots__ = ("addresses", "items", "order", "payment")

    def __init__(
        self, order: Order, addresses: list[OrderAddress], items: list[OrderItem], payment: Payment
    ) -> None:
        self.order, self.addresses, self.items, self.payment = order, addresses, items, payment


def _draft(number: str, stores: dict[str, Store], now: datetime, rng: random.Random) -> _Draft:
    code = rng.choices(STORE_CODES, STORE_WEIGHTS)[0]
    store = stores[code]
    currency = store.currency
    country = rng.choice(STORE_COUNTRIES[code])
    name = f"{rng.choice(country.first_names)} {rng.choice(country.last_names)}"
    place = rng.choice(country.places)
    street = f"{rng.randint(1, 240)} {rng.choice(country.streets)}"
    items = []
    for product in rng.sample(PRODUCTS, k=rng.choice(ITEM_COUNTS)):
        qty = rng.choice(QTY_CHOICES)
        price = price_in(product, currency)
        items.append(
            OrderItem(
                sku=product.sku,
                name=product.name,
                qty_ordered=qty,
                unit_price=price,
                tax_amount=(price * qty * TAX_BPS[code] + 5000) // 10000,
                row_total=price * qty,
            )
        )
    subtotal = sum(i.row_total for i in items)
    tax = sum(i.tax_amount for i in items)
    shipping = 0 if code == "eu" and subtotal > 5000 else {"us": 1000, "eu": 490, "jp": 800}[code]
    total = subtotal + tax + shipping
    placed_at = (now - timedelta(seconds=rng.randint(600, 30 * 86400))).replace(microsecond=0)
    expires_at = placed_at + timedelta(days=7)
    order = Order(
        number=number,
        store=store,
        state=OrderState.PROCESSING,
        currency=currency,
        customer_email=f"customer{number}@example.com",
        customer_name=name,
        shipping_method="Standard shipping",
        payment_method_title="Credit card",
        subtotal=subtotal,
        shipping_amount=shipping,
        tax_amount=tax,
        discount_amount=0,
        grand_total=total,
        placed_at=placed_at,
    )
    # Safe only here: the payment and its single ledger row are created together in this
    # batch, so computing the cached amounts from the in-memory row is what the database
    # recompute would produce. Everywhere else cached amounts come from
    # payments.recompute under the order lock.
    amounts = compute_amounts(
        [LedgerRowData(TransactionType.AUTHORIZATION, TransactionStatus.SUCCESS, total)]
    )
    status = compute_status(amounts, amount_requested=total, expires_at=expires_at, now=now)
    order.payment_status = aggregate_order_status(
        [status], grand_total=total, captured=0, refunded=0, authorized=total
    )
    payment = Payment(
        gateway="sandbox",
        payment_action=PaymentAction.AUTHORIZE,
        method_title="Credit card",
        card_brand=rng.choice(CARD_BRANDS[code]),
        card_last4=f"{rng.randint(0, 9999):04d}",
        gateway_reference=f"psp-{rng.getrandbits(48):012x}",
        currency=currency,
        amount_requested=total,
        authorized_at=placed_at,
        expires_at=expires_at,
        status=status,
        **amounts.as_fields(),
    )
    addresses = [
        OrderAddress(
            kind=kind,
            name=name,
            street=street,
            city=place.city,
            region=place.region,
            postcode=place.postcode,
            country=country.code,
        )
        for kind in (AddressKind.BILLING, AddressKind.SHIPPING)
    ]
    return _Draft(order, addresses, items, payment)
