"""What Transaction Details' operations say before they move money: one sentence per operation.

"Capture $10.50 online from Visa ····4242 (authorization psp-auth-1)." — the amount as the
server read it, in the booking currency, online or offline, and where the money goes or comes
from. Built once here for Capture, Reversal, Refund, Refund Offline, Chargeback, Chargeback
Reversal and Rebill (`backoffice.confirmation` carries it to the browser); the orders layer
names payments with the same `payment_label` and `reference_label`.
"""

from collections.abc import Callable

from backoffice.confirmation import Confirmation, approval_confirmation
from backoffice.money import format_money
from payments import operations as ops
from payments.enums import TransactionType
from payments.models import Payment, Transaction

T = TransactionType
# How staff call the row a reference belongs to: "(authorization psp-auth-1)".
REFERENCE_NAMES = {T.AUTHORIZATION: "authorization"}
CAN_T_UNDO = "this can't be undone"
NOT_CALLED = "The gateway is not called"


def payment_label(payment: Payment) -> str:
    """ "Visa ····4242"; without a card, the payment method or the gateway ("Bank transfer")."""
    return payment.card_label or payment.method_title or payment.gateway.title()


def reference_label(txn: Transaction) -> str:
    """ "authorization psp-auth-1": the gateway's reference of the row ("" when it has none)."""
    reference = txn.gateway_reference or (
        txn.payment.gateway_reference if txn.type == T.AUTHORIZATION else ""
    )
    if not reference:
        return ""
    name = REFERENCE_NAMES.get(T(txn.type), txn.get_type_display().lower())
    return f"{name} {reference}"


def _with_reference(text: str, txn: Transaction) -> str:
    reference = reference_label(txn)
    return f"{text} ({reference})" if reference else text


Sentence = Callable[[Transaction, str], tuple[str, str]]  # (txn, money) → sentence, consequence


def _capture(txn: Transaction, money: str) -> tuple[str, str]:
    where = _with_reference(payment_label(txn.payment), txn)
    return (
        f"Capture {money} online from {where}.",
        "The gateway takes the money from the customer now; only a refund gives it back.",
    )


def _reversal(txn: Transaction, money: str) -> tuple[str, str]:
    reference = reference_label(txn) or "authorization"
    return (
        f"Release {money} of the {reference} ({payment_label(txn.payment)}).",
        f"The customer's bank releases the money; {CAN_T_UNDO}.",
    )


def _refund(txn: Transaction, money: str) -> tuple[str, str]:
    return (
        f"Refund {money} online to {payment_label(txn.payment)}.",
        f"The gateway sends the money back to the customer; {CAN_T_UNDO}.",
    )


def _refund_offline(txn: Transaction, money: str) -> tuple[str, str]:
    return (
        f"Refund {money} offline (money paid back outside the gateway).",
        f"{NOT_CALLED}: use this only when the money is (or will be) paid back another way.",
    )


def _chargeback(txn: Transaction, money: str) -> tuple[str, str]:
    where = _with_reference(payment_label(txn.payment), txn)
    return (
        f"Record a chargeback of {money} on {where}.",
        f"{NOT_CALLED}: this records money the customer's bank took back.",
    )


def _chargeback_reversal(txn: Transaction, money: str) -> tuple[str, str]:
    where = _with_reference(payment_label(txn.payment), txn)
    return (
        f"Record a chargeback reversal of {money} on {where}: the money comes back.",
        f"{NOT_CALLED}: this records money the customer's bank returned.",
    )


def _rebill(txn: Transaction, money: str) -> tuple[str, str]:
    return (
        f"Charge {money} again to {payment_label(txn.payment)}.",
        "The gateway charges the customer now; only a refund gives it back.",
    )


SENTENCES: dict[str, Sentence] = {
    ops.CAPTURE.code: _capture,
    ops.VOID.code: _reversal,
    ops.REFUND.code: _refund,
    ops.REFUND_OFFLINE.code: _refund_offline,
    ops.CHARGEBACK.code: _chargeback,
    ops.CHARGEBACK_REVERSAL.code: _chargeback_reversal,
    ops.REBILL.code: _rebill,
}
# What a request that waits for a second person is called ("… of a €600.00 refund").
APPROVAL_NAMES = {
    ops.REFUND.code: "refund",
    ops.REFUND_OFFLINE.code: "offline refund",
    ops.REBILL.code: "rebill",
    ops.CHARGEBACK_REVERSAL.code: "chargeback reversal",
}


def operation_confirmation(
    *,
    operation: ops.Operation,
    transaction: Transaction,
    amount: int,
    approval_why: str | None = None,
) -> Confirmation:
    """The confirmation of `operation` on `transaction` for `amount` (minor units, as read).

    `approval_why`: why the request will wait for a second person ("above the store's €500.00
    threshold", `payments.hooks.OrderHooks.operation_approval_reason`), None when it runs now.
    """
    money = format_money(amount, transaction.currency)
    if approval_why is not None and operation.code in APPROVAL_NAMES:
        return approval_confirmation(
            title=operation.label,
            what=APPROVAL_NAMES[operation.code],
            amount=money,
            why=approval_why,
        )
    sentence, consequence = SENTENCES[operation.code](transaction, money)
    return Confirmation(
        title=operation.label,
        sentence=sentence,
        consequence=consequence,
        ok_label=operation.label,
        danger=operation.code == ops.VOID.code,
    )
