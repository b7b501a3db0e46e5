"""New payments: an online authorization (or sale), or one made at checkout being recorded."""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from backoffice.availability import unavailable
from backoffice.errors import DomainError, ErrorCode
from orders.models import Order
from payments.enums import PaymentAction, TransactionSource, TransactionType
from payments.gateways import Gateway, GatewayResult, get_gateway
from payments.gateways.base import CardDetails
from payments.models import GatewayAccount, Payment, Transaction
from payments.operations import store_codenames
from payments.services._checks import Check
from payments.services._flow import MoneyRequest, OperationResult, run_offline, run_online


def store_gateway_account(*, order: Order, gateway: str = "sandbox") -> GatewayAccount:
    account = GatewayAccount.objects.filter(store_id=order.store_id, gateway=gateway).first()
    if account is None:
        raise DomainError(
            ErrorCode.NOT_AVAILABLE,
            f"Store {order.store.code.upper()} has no {gateway} gateway account.",
        )
    return account


def payment_authorize(
    *,
    order: Order,
    amount: int,
    actor: User | None,
    idempotency_key: str,
    gateway_account: GatewayAccount | None = None,
    card_brand: str = "",
    card_last4: str = "",
    method_title: str = "",
    merchant_reference: str = "",
    memo: str = "",
    source: str = TransactionSource.UI,
    card: CardDetails | None = None,
    on_file_reference: str = "",
    also_check: Check | None = None,
) -> OperationResult:
    """Authorize `amount` online on a new payment of the order (a sale if the account says so).

    Staff need the Edit orders permission (a new authorization is part of editing an order).
    `card`: the card a customer typed on a payment link page (gateways with a card form);
    `on_file_reference`: an earlier payment's gateway reference whose saved payment method
    is charged again without the customer (`Gateway.authorize_on_file`);
    `also_check`: the caller's own rule, run under the lock with the others (a payment link
    still owed exactly its amount).
    """
    account = gateway_account or store_gateway_account(order=order)
    sale = account.payment_action == PaymentAction.AUTHORIZE_CAPTURE
    return run_online(
        MoneyRequest(
            type=TransactionType.DEBIT if sale else TransactionType.AUTHORIZATION,
            order_id=order.pk,
            amount=amount,
            online=True,
            actor=actor,
            idempotency_key=idempotency_key,
            merchant_reference=merchant_reference,
            memo=memo,
            source=source,
            new_payment=_new_payment(
                gateway=account.gateway,
                gateway_account=account,
                payment_action=account.payment_action,
                method_title=method_title or account.name,
                card_brand=card_brand,
                card_last4=card_last4,
                amount_requested=amount,
            ),
            check=_authorize_check(account, actor, also_check),
            call=_authorize_call(sale, card, on_file_reference),
            gateway_request=_request_of(sale, on_file_reference),
        )
    )


def _new_payment(**fields: object) -> Callable[[Order], Payment]:
    """Creates the new payment under the flow's lock, in the order's currency."""

    def new_payment(locked: Order) -> Payment:
        return Payment.objects.create(order=locked, currency=locked.currency, **fields)

    return new_payment


def _authorize_check(
    account: GatewayAccount, actor: User | None, also_check: Check | None = None
) -> Check:
    """Under the lock: the account is the order's store's, staff may edit orders there, and
    nothing blocks money on the order (hold, review, final state)."""

    def check(locked: Order, payment: Payment | None, amount: int) -> None:
        if account.store_id != locked.store_id:
            raise DomainError(ErrorCode.NOT_AVAILABLE, "The gateway account is another store's.")
        if actor is not None and "edit_order" not in store_codenames(actor, locked.store):
            raise DomainError(
                ErrorCode.PERMISSION_DENIED,
                f"Requires the Edit orders permission for store {locked.store.code.upper()}",
            )
        if (block := locked.money_block()) is not None:
            raise unavailable("authorize", "Authorize", block).error()
        if also_check is not None:
            also_check(locked, payment, amount)

    return check


def _request_of(sale: bool, on_file_reference: str) -> dict[str, str]:
    """What the transaction keeps of the request (`on_file`: what a lookup sends again)."""
    request = {"operation": "sale" if sale else "authorize"}
    if on_file_reference:
        request["on_file"] = on_file_reference
    return request


def _authorize_call(
    sale: bool, card: CardDetails | None = None, on_file_reference: str = ""
) -> Callable[[Gateway, Transaction], GatewayResult]:
    """Step 2: the gateway's authorization (or sale), with the transaction's key; on the card
    the customer typed when there is one (never kept: the payment has its brand and last 4),
    or on the payment method of the payment `on_file_reference`."""

    def call(gateway: Gateway, txn: Transaction) -> GatewayResult:
        if on_file_reference:
            return gateway.authorize_on_file(
                reference=on_file_reference,
                amount=txn.amount,
                currency=txn.currency,
                idempotency_key=txn.idempotency_key,
                capture=sale,
            )
        if card is not None:
            return gateway.authorize_card(
                amount=txn.amount,
                currency=txn.currency,
                idempotency_key=txn.idempotency_key,
                card=card,
                capture=sale,
            )
        return gateway.authorize(
            amount=txn.amount,
            currency=txn.currency,
            idempotency_key=txn.idempotency_key,
            capture=sale,
        )

    return call


def payment_record_checkout(
    *,
    order: Order,
    amount: int,
    reference: str,
    idempotency_key: str,
    payment_action: str = PaymentAction.AUTHORIZE,
    gateway: str = "sandbox",
    authorized_at: datetime | None = None,
    expires_at: datetime | None = None,
    card_brand: str = "",
    card_last4: str = "",
    method_title: str = "",
    actor: User | None = None,
    source: str = TransactionSource.IMPORT,
) -> OperationResult:
    """Record an authorization (or sale) the storefront made at checkout, in one atomic step.

    For imports and demo data: the gateway already holds `reference`. The sandbox is told
    about it afterwards so that later captures and refunds against it work.
    """
    account = GatewayAccount.objects.filter(store_id=order.store_id, gateway=gateway).first()
    sale = payment_action == PaymentAction.AUTHORIZE_CAPTURE
    when = authorized_at or timezone.now()
    validity = account.authorization_validity_days if account else 7
    expiry = None if sale else (expires_at or when + timedelta(days=validity))
    new_payment = _new_payment(
        gateway=gateway,
        gateway_account=account,
        payment_action=payment_action,
        method_title=method_title or (account.name if account else gateway),
        card_brand=card_brand,
        card_last4=card_last4,
        amount_requested=amount,
        gateway_reference=reference,
        authorized_at=when,
        expires_at=expiry,
    )
    result = run_offline(
        MoneyRequest(
            type=TransactionType.DEBIT if sale else TransactionType.AUTHORIZATION,
            order_id=order.pk,
            amount=amount,
            online=False,
            recorded_online=True,
            gateway_reference=reference,
            actor=actor,
            idempotency_key=idempotency_key,
            source=source,
            new_payment=new_payment,
        )
    )
    adapter = get_gateway(account) if account else get_gateway(gateway)
    adapter.register_checkout_payment(
        reference=reference, amount=amount, currency=order.currency, captured=sale,
        expires_at=expiry,
    )  # fmt: skip
    return result
