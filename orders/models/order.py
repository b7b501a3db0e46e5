"""The order, its addresses and items. Amounts: integers in the currency's minor unit."""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper

from backoffice.availability import Reason
from backoffice.models import Store, validate_currency
from orders.enums import (
    MONEY_BLOCKING_STATES,
    AddressKind,
    OrderState,
)
from payments.enums import PaymentStatus, TransactionStatus, TransactionType

MONEY = models.BigIntegerField


class Order(models.Model):
    number = models.CharField(max_length=32, unique=True)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    state = models.CharField(max_length=20, choices=OrderState, default=OrderState.NEW)
    # Magento keeps the state an order had before Hold so that Unhold can return to it.
    state_before_hold = models.CharField(max_length=20, choices=OrderState, blank=True)
    # The state to return to when the payment review ends (an unknown gateway outcome is
    # resolved by reconciliation); kept apart from hold so the two can nest.
    state_before_review = models.CharField(max_length=20, choices=OrderState, blank=True)
    payment_status = models.CharField(
        max_length=24, choices=PaymentStatus, default=PaymentStatus.NOT_PAID
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    customer_email = models.EmailField()
    customer_name = models.CharField(max_length=200)
    shipping_method = models.CharField(max_length=120, blank=True)
    payment_method_title = models.CharField(max_length=120, blank=True)
    subtotal = MONEY(default=0)
    shipping_amount = MONEY(default=0)
    tax_amount = MONEY(default=0)
    discount_amount = MONEY(default=0)
    grand_total = MONEY(default=0)
    placed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every write to the order so that forms opened earlier are detected as stale.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["-placed_at", "-id"], name="order_placed_idx"),
            models.Index(fields=["store", "-placed_at"], name="order_store_placed_idx"),
            # The state and payment-status filters (newest first: read backwards) and the sorts
            # by either column, in both directions (`orders.filters.SORT_FIELDS`).
            models.Index(fields=["state", "placed_at", "id"], name="order_state_sort_idx"),
            models.Index(
                fields=["payment_status", "placed_at", "id"], name="order_paystatus_sort_idx"
            ),
            models.Index(fields=["customer_email"], name="order_email_idx"),
            models.Index(fields=["customer_name", "id"], name="order_customer_name_idx"),
            # Transaction search matches an email in any case (`iexact` is UPPER(...) = UPPER(...)).
            models.Index(Upper("customer_email"), name="order_email_upper_idx"),
            # The order list's sort by grand total: by currency, then amount (orders.filters).
            models.Index(fields=["currency", "grand_total", "id"], name="order_currency_total_idx"),
            # The same within one store (the store filter, a person who sees one store): a
            # store's orders are in its currency, so the one above walked the other stores'
            # currencies first (1.5 s at a million orders).
            models.Index(
                fields=["store", "currency", "grand_total", "id"], name="order_store_total_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(subtotal__gte=0), name="order_subtotal_gte_0"),
            models.CheckConstraint(
                condition=Q(shipping_amount__gte=0), name="order_shipping_gte_0"
            ),
            models.CheckConstraint(condition=Q(tax_amount__gte=0), name="order_tax_gte_0"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0), name="order_discount_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(
                    grand_total=F("subtotal")
                    + F("shipping_amount")
                    + F("tax_amount")
                    - F("discount_amount")
                ),
                name="order_grand_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("orders:detail", kwargs={"number": self.number})

    @property
    def is_on_hold(self) -> bool:
        return self.state == OrderState.HOLDED

    @property
    def is_canceled(self) -> bool:
        """A canceled order has nothing to collect (`payments.figures`)."""
        return self.state == OrderState.CANCELED

    def money_block(self) -> Reason | None:
        """Why the order's state blocks money operations now (None: it doesn't)."""
        return MONEY_BLOCKING_STATES.get(self.state)

    @property
    def is_final(self) -> bool:
        return self.state in {OrderState.CLOSED, OrderState.CANCELED, OrderState.COMPLETE}

    @property
    def credited_amount(self) -> int:
        """Money given back through credit memos (successful refunds linked to one).

        A credit memo lowers what the customer owes by what it refunds, so that money never
        shows as outstanding again (a refund outside any memo does). Reads `transactions`:
        prefetch them on pages.
        """
        return sum(
            t.amount
            for t in self.transactions.all()
            if t.type == TransactionType.REFUND
            and t.status == TransactionStatus.SUCCESS
            and t.credit_memo_id is not None
        )


class OrderAddress(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=10, choices=AddressKind)
    name = models.CharField(max_length=200)
    street = models.CharField(max_length=255)
    city = models.CharField(max_length=120)
    region = models.CharField(max_length=120, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "kind"], name="order_address_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.street}, {self.postcode} {self.city}, {self.country}"

    @property
    def lines(self) -> list[str]:
        city_line = " ".join(p for p in [self.postcode, self.city] if p)
        return [
            p
            for p in [self.name, self.street, city_line, self.region, self.country, self.phone]
            if p
        ]


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    qty_ordered = models.PositiveIntegerField()
    unit_price = MONEY()
    tax_amount = MONEY(default=0)
    discount_amount = MONEY(default=0)
    row_total = MONEY()
    qty_invoiced = models.PositiveIntegerField(default=0)
    qty_refunded = models.PositiveIntegerField(default=0)
    qty_canceled = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(qty_ordered__gt=0), name="item_qty_ordered_gt_0"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="item_price_gte_0"),
            models.CheckConstraint(
                condition=Q(qty_invoiced__lte=F("qty_ordered") - F("qty_canceled")),
                name="item_invoiced_lte_ordered",
            ),
            models.CheckConstraint(
                condition=Q(qty_refunded__lte=F("qty_invoiced")),
                name="item_refunded_lte_invoiced",
            ),
            models.CheckConstraint(
                condition=Q(row_total=F("unit_price") * F("qty_ordered")),
                name="item_row_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} × {self.qty_ordered}"

    @property
    def qty_to_invoice(self) -> int:
        return self.qty_ordered - self.qty_invoiced - self.qty_canceled

    @property
    def qty_to_refund(self) -> int:
        return self.qty_invoiced - self.qty_refunded

    @property
    def row_total_incl_tax(self) -> int:
        return self.row_total + self.tax_amount - self.discount_amount
