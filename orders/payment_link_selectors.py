"""Payment links, reads: a link's status, the gateway that serves it, the order page's rows and
the public page's link (by its signed token)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db.models import Prefetch

from orders.models import Order, OrderItem, PaymentLink, PaymentLinkStatus
from orders.payment_link_tokens import link_url, read_token
from payments.gateways import get_gateway
from payments.models import GatewayAccount, Payment, Transaction

S = PaymentLinkStatus
PayMode = Literal["card", "stripe_checkout"]


@dataclass(frozen=True)
class LinkGateway:
    """The gateway account that takes the link's payment, and how its page asks for it: our
    own card form (the sandbox) or the PSP's hosted page (Stripe Checkout)."""

    account: GatewayAccount
    mode: PayMode


def link_gateway(order: Order, payments: Iterable[Payment]) -> LinkGateway | None:
    """The order's gateway (the account of its latest online payment; the store's sandbox or
    Stripe account when it has none), if it can take a payment on a link."""
    payments = list(payments)
    account_ids = [p.gateway_account_id for p in payments if p.gateway_account_id]
    accounts: Iterable[GatewayAccount] = (
        _account_of(payments, max(account_ids), store_id=order.store_id)
        if account_ids
        else GatewayAccount.objects.filter(store_id=order.store_id)
    )
    for account in sorted(accounts, key=lambda a: (a.gateway != "sandbox", a.pk)):
        if get_gateway(account).takes_card_form:
            return LinkGateway(account, "card")
        if account.gateway == "stripe":
            return LinkGateway(account, "stripe_checkout")
    return None


def _account_of(
    payments: Sequence[Payment], account_id: int, *, store_id: int
) -> Iterable[GatewayAccount]:
    """The store's gateway account `account_id`: the one a payment already holds (the order
    page selects it with its payments, no query), else a query for it."""
    for payment in payments:
        if payment.gateway_account_id == account_id and Payment.gateway_account.is_cached(payment):
            held = payment.gateway_account
            return [held] if held is not None and held.store_id == store_id else []
    return GatewayAccount.objects.filter(store_id=store_id, pk=account_id)


def link_status(link: PaymentLink, *, outstanding: int, now: datetime) -> str:
    """paid, being confirmed, revoked, expired, outdated (the order no longer owes what it
    was made for), open."""
    if link.paid_at is not None:
        return S.PAID
    if link.payment_id is not None:
        return S.PROCESSING  # the gateway has not confirmed yet (reconciliation will)
    if link.revoked_at is not None:
        return S.REVOKED
    if link.expires_at <= now:
        return S.EXPIRED
    if outstanding != link.amount:
        return S.OUTDATED
    return S.OPEN


@dataclass(frozen=True)
class LinkRow:
    link: PaymentLink
    status: str
    url: str

    @property
    def status_label(self) -> str:
        return S(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status == S.OPEN


def payment_link_rows(
    *, order: Order, outstanding: int, now: datetime, base_url: str
) -> Sequence[LinkRow]:
    """The order's links, newest first, with their status and URL (one query)."""
    return [
        LinkRow(
            link,
            link_status(link, outstanding=outstanding, now=now),
            link_url(link, fallback_base=base_url),
        )
        for link in PaymentLink.objects.filter(order=order).order_by("-created_at", "-pk")
    ]


def public_link(token: str) -> PaymentLink | None:
    """The link a well-signed token names, with what its public page shows; None otherwise."""
    read = read_token(token)
    if read is None:
        return None
    pk, nonce = read
    link = (
        PaymentLink.objects.select_related("order__store")
        .prefetch_related(
            Prefetch("order__items", queryset=OrderItem.objects.order_by("pk")),
            Prefetch("order__payments", queryset=Payment.objects.order_by("pk")),
            Prefetch("order__transactions", queryset=Transaction.objects.order_by("pk")),
        )
        .filter(pk=pk, nonce=nonce)
        .first()
    )
    return link
