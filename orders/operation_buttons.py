"""The order header's buttons, each drawn from the operations registry's answer.

Unavailable operations stay on screen, disabled, with the registry's reason; the same answer
guards each operation's POST URL, so a button and its POST never disagree.
"""

from dataclasses import dataclass
from typing import TypedDict, Unpack

from django.contrib.auth.models import User
from django.urls import reverse

from backoffice.availability import Availability
from backoffice.money import format_money
from orders.enums import OrderState
from orders.models import Order
from orders.operations import OrderOperation, order_operations
from orders.order_amounts import open_capturable, refund_facts
from orders.order_urls import order_url
from orders.refundable import invoice_refund_limit


@dataclass(frozen=True)
class ActionButton:
    key: str
    label: str
    url: str
    availability: Availability
    # "get": a link to a form (Invoice, Mark as paid); "post": a form behind a confirmation.
    method: str = "post"
    confirm: str = ""
    style: str = "secondary"
    dialog: str = ""
    # The dialog's content is fetched from `url` (htmx GET) when it opens, not drawn up front.
    dialog_lazy: bool = False

    @property
    def allowed(self) -> bool:
        return self.availability.allowed

    @property
    def reason(self) -> str:
        return self.availability.reason


class _ButtonLook(TypedDict, total=False):
    """The `ActionButton` fields an order-operation button may set beyond the defaults."""

    method: str
    style: str
    dialog: str
    dialog_lazy: bool


def _confirm_texts(order: Order) -> dict[OrderOperation, str]:
    capturable = format_money(open_capturable(order), order.currency)
    return {
        OrderOperation.VOID: f"Void every open authorization ({capturable}) at the gateway? "
        "The customer's bank releases the money; this cannot be undone.",
        OrderOperation.CANCEL: "Cancel this order? Open authorizations are voided at the "
        "gateway and items not invoiced are canceled. This cannot be undone.",
        OrderOperation.HOLD: "Put this order on hold? Invoicing, captures, refunds and voids "
        "stay unavailable until it is unheld.",
        OrderOperation.UNHOLD: "Release this order from hold?",
    }


def credit_memo_entry_url(order: Order) -> str:
    """Credit Memo goes straight to the invoice when only one has money left to refund (one
    click); otherwise to the order's page that offers the invoices and Refund Offline."""
    rows, memos = refund_facts(order)
    refundable = [
        invoice
        for invoice in order.invoices.all()
        if invoice_refund_limit(invoice=invoice, order=order, rows=rows, memos=memos).available
    ]
    if len(refundable) == 1:
        return reverse(
            "orders:credit_memo_new",
            kwargs={"number": order.number, "invoice_number": refundable[0].number},
        )
    return order_url("orders:order_credit_memo_new", order.number)


def order_action_buttons(*, user: User, order: Order) -> list[ActionButton]:
    """Invoice, Credit Memo, Refund, Mark as paid, Void, Edit, Hold or Unhold, Cancel — in
    Magento's order (Refund is Medusa's goodwill refund)."""
    answers = order_operations(user=user, order=order)
    texts = _confirm_texts(order)

    def button(op: OrderOperation, label: str, **kwargs: Unpack[_ButtonLook]) -> ActionButton:
        url = order_url(f"orders:{op.value}", order.number)
        return ActionButton(op.value, label, url, answers[op], confirm=texts.get(op, ""), **kwargs)

    hold = (
        button(OrderOperation.UNHOLD, "Unhold")
        if order.state == OrderState.HOLDED
        else button(OrderOperation.HOLD, "Hold")
    )
    return [
        ActionButton(
            "invoice",
            "Invoice",
            order_url("orders:invoice_new", order.number),
            answers[OrderOperation.INVOICE],
            method="get",
            style="primary",
        ),
        ActionButton(
            "credit_memo",
            "Credit Memo",
            credit_memo_entry_url(order),
            answers[OrderOperation.CREDIT_MEMO],
            method="get",
        ),
        ActionButton(
            "refund",
            "Refund",
            order_url("orders:refund", order.number),
            answers[OrderOperation.REFUND],
            method="get",
            dialog="goodwill-dialog",
            dialog_lazy=True,
        ),
        # Its form is fetched when the dialog opens (htmx GET of the Mark as paid page's URL),
        # like Refund's: drawn with every order page, it was a tenth of the page.
        button(
            OrderOperation.MARK_AS_PAID,
            "Mark as paid",
            method="get",
            dialog="mark-as-paid-dialog",
            dialog_lazy=True,
        ),
        button(OrderOperation.VOID, "Void", style="danger"),
        button(OrderOperation.EDIT, "Edit", method="get"),
        hold,
        button(OrderOperation.CANCEL, "Cancel", style="danger"),
    ]
