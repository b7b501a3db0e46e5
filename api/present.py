"""An order as the API shows it (pure: reads the prefetched order, no query of its own)."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from api.schemas import (
    Customer,
    EditOut,
    Item,
    OrderAmounts,
    OrderOut,
    PaymentLinkOut,
    PaymentOut,
    money,
)
from orders.models import Order, OrderEdit, OrderItem
from orders.payment_link_selectors import link_status
from orders.payment_link_tokens import link_url
from payments.figures import figures_of
from payments.models import Payment


def order_out(request: HttpRequest, order: Order) -> OrderOut:
    currency = order.currency
    figures = figures_of(order)
    return OrderOut(
        number=order.number,
        url=request.build_absolute_uri(
            reverse("api-v1:order_detail", kwargs={"number": order.number})
        ),
        back_office_url=request.build_absolute_uri(order.get_absolute_url()),
        store=order.store.code,
        state=order.state,
        payment_status=order.payment_status,
        currency=currency,
        customer=Customer(email=order.customer_email, name=order.customer_name),
        placed_at=order.placed_at,
        updated_at=order.updated_at,
        amounts=OrderAmounts(
            subtotal=money(order.subtotal, currency),
            shipping=money(order.shipping_amount, currency),
            tax=money(order.tax_amount, currency),
            discount=money(order.discount_amount, currency),
            grand_total=money(order.grand_total, currency),
            total_paid=money(figures.total_paid, currency),
            total_refunded=money(figures.total_refunded, currency),
            total_due=money(figures.total_due, currency),
            outstanding=money(figures.outstanding, currency),
        ),
        items=[_item(item, currency) for item in order.items.all()],
        payments=[_payment(p) for p in sorted(order.payments.all(), key=lambda p: p.pk)],
        edits=[_edit(e, currency) for e in sorted(order.edits.all(), key=lambda e: e.number)],
        payment_links=_open_links(request, order, figures.outstanding),
    )


def _open_links(request: HttpRequest, order: Order, outstanding: int) -> list[PaymentLinkOut]:
    now = timezone.now()
    return [
        PaymentLinkOut(
            url=link_url(link, fallback_base=request.build_absolute_uri("/")),
            amount=money(link.amount, link.currency),
            created_at=link.created_at,
            expires_at=link.expires_at,
        )
        for link in sorted(
            order.payment_links.all(),
            key=lambda link: link.pk,
        )
        if link_status(link, outstanding=outstanding, now=now) == "open"
    ]


def _edit(edit: OrderEdit, currency: str) -> EditOut:
    return EditOut(
        number=edit.number,
        created_at=edit.created_at,
        author=edit.author_label,
        reason=edit.reason,
        summary=edit.summary,
        grand_total_before=money(edit.grand_total_before, currency),
        grand_total_after=money(edit.grand_total_after, currency),
    )


def _item(item: OrderItem, currency: str) -> Item:
    return Item(
        sku=item.sku,
        name=item.name,
        qty_ordered=item.qty_ordered,
        qty_invoiced=item.qty_invoiced,
        qty_refunded=item.qty_refunded,
        qty_canceled=item.qty_canceled,
        price=money(item.unit_price, currency),
        tax=money(item.tax_amount, currency),
        discount=money(item.discount_amount, currency),
        row_total=money(item.row_total, currency),
    )


def _payment(payment: Payment) -> PaymentOut:
    currency = payment.currency
    return PaymentOut(
        gateway=payment.gateway,
        action=payment.payment_action,
        reference=payment.gateway_reference,
        status=payment.status,
        method_title=payment.method_title,
        card_brand=payment.card_brand,
        card_last4=payment.card_last4,
        authorized_at=payment.authorized_at,
        expires_at=payment.expires_at,
        requested=money(payment.amount_requested, currency),
        authorized=money(payment.amount_authorized, currency),
        captured=money(payment.amount_captured, currency),
        refunded=money(payment.amount_refunded, currency),
        voided=money(payment.amount_voided, currency),
        charged_back=money(payment.amount_charged_back, currency),
    )
