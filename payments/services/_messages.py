"""Staff-readable sentences for money outcomes: order comments and result messages.

Magento-style gateway messages: what, how much, online or offline, the staff-entered
Transaction ID and the gateway's reference.
"""

from backoffice.money import format_money
from payments.enums import TransactionSource, TransactionType
from payments.models import Transaction

T = TransactionType

NOUNS = {
    T.AUTHORIZATION: "Authorization",
    T.DEBIT: "Sale",
    T.CAPTURE: "Capture",
    T.REVERSAL: "Reversal",
    T.REFUND: "Refund",
    T.CHARGEBACK: "Chargeback",
    T.CHARGEBACK_REVERSAL: "Chargeback reversal",
    T.REBILL: "Rebill",
    T.MANUAL: "Manual payment",
}
VERBS = {
    T.AUTHORIZATION: "Authorized",
    T.DEBIT: "Authorized and captured",
    T.CAPTURE: "Captured",
    T.REVERSAL: "Voided",
    T.REFUND: "Refunded",
    T.REBILL: "Rebilled",
}


def _money(txn: Transaction) -> str:
    return format_money(txn.amount, txn.currency)


def _how(txn: Transaction) -> str:
    return "online" if txn.is_online else "offline"


def _references(txn: Transaction) -> str:
    parts = []
    if txn.merchant_reference:
        parts.append(f'Transaction ID: "{txn.merchant_reference}".')
    if txn.gateway_reference:
        parts.append(f"Gateway reference: {txn.gateway_reference}.")
    return " ".join(parts)


def describe_transaction(txn: Transaction, *, verb: str) -> str:
    """'Captured amount of $66.00 online. Transaction ID: "abc". Gateway reference: psp-1.'"""
    return _join(f"{verb} amount of {_money(txn)} {_how(txn)}.", _references(txn))


def checkout_texts(txn: Transaction) -> tuple[str, str]:
    """A payment made at checkout as Magento tells it with a gateway, in two entries: the
    shop's ("Authorized amount of $61.00.") and the gateway's ("Authorization of $61.00
    accepted by the gateway, transaction ID psp-auth-1."); a sale says "Authorized and
    captured amount of …" and "Authorization and capture of … accepted by the gateway"."""
    sale = txn.type == T.DEBIT
    verb, noun = (
        ("Authorized and captured", "Authorization and capture")
        if sale
        else ("Authorized", "Authorization")
    )
    reference = f", transaction ID {txn.gateway_reference}" if txn.gateway_reference else ""
    return (
        f"{verb} amount of {_money(txn)}.",
        f"{noun} of {_money(txn)} accepted by the gateway{reference}.",
    )


def _join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def psp_side_text(txn: Transaction) -> str:
    """A row recorded from the PSP's webhook (source `webhook`): what happened on its side.
    "Refunded $20.00 in the PSP's dashboard, reference sbx_op_1f2e." """
    reference = f", reference {txn.gateway_reference}" if txn.gateway_reference else ""
    told = txn.gateway_request or {}
    psp, dashboard = PSP_NAMES.get(told.get("gateway", ""), ("the PSP", "the PSP's dashboard"))
    why = (
        f" {psp[:1].upper()}{psp[1:]}'s reason: {told['psp_reason']}."
        if told.get("psp_reason")
        else ""
    )
    if told.get("event") == "authorization_expired":
        return f"Authorization expired at {psp}: {_money(txn)} released{reference}."
    if txn.type in {T.CHARGEBACK, T.CHARGEBACK_REVERSAL}:
        return f"{NOUNS[T(txn.type)]} of {_money(txn)} reported by {psp}{reference}.{why}"
    return f"{VERBS[T(txn.type)]} {_money(txn)} in {dashboard}{reference}.{why}"


# How the history names a PSP and its dashboard (rows from its webhooks); others: "the PSP".
PSP_NAMES = {
    "stripe": ("Stripe", "the Stripe Dashboard"),
    "oppwa": ("OPPWA", "OPPWA's Business Intelligence Platform"),
}


def _gateway_result(txn: Transaction) -> str:
    """The PSP's result code and description where its answer carries one (OPPWA's
    `result`): "Gateway result: 000.100.110 Request successfully processed…"."""
    raw = (txn.gateway_response or {}).get("raw")
    result = raw.get("result") if isinstance(raw, dict) else None
    if not isinstance(result, dict) or not result.get("code"):
        return ""
    text = f"{result['code']} {result.get('description') or ''}".strip().rstrip(".")
    return f"Gateway result: {text}."


def success_text(txn: Transaction) -> str:
    if txn.source == TransactionSource.WEBHOOK:
        body = psp_side_text(txn)
    elif txn.type == T.CHARGEBACK:
        body = _join(f"Chargeback of {_money(txn)} recorded.", _references(txn))
    elif txn.type == T.CHARGEBACK_REVERSAL:
        body = _join(f"Chargeback reversal of {_money(txn)} recorded.", _references(txn))
    elif txn.type == T.MANUAL:
        body = _join(f"Marked as paid: {_money(txn)} received offline.", _references(txn))
    else:
        body = _join(describe_transaction(txn, verb=VERBS[T(txn.type)]), _gateway_result(txn))
    if txn.memo:
        body = f'{body} Memo: "{txn.memo}".'
    return body


def failed_text(txn: Transaction) -> str:
    """A declined request, or one the gateway never applied (reconciliation found no record)."""
    noun = NOUNS[T(txn.type)]
    reason = txn.error.rstrip(".")
    if (txn.gateway_response or {}).get("status"):
        reason = f": {reason}" if reason else ""
        return f"{noun} of {_money(txn)} {_how(txn)} was declined by the gateway{reason}."
    return (
        f"{noun} of {_money(txn)} {_how(txn)} was not applied: {reason or 'no answer'}. "
        "The reserved amount is released."
    )


def unknown_text(txn: Transaction) -> str:
    noun = NOUNS[T(txn.type)]
    why = f" ({txn.error.rstrip('.')})" if txn.error else ""
    return (
        f"{noun} of {_money(txn)} {_how(txn)}: no answer from the gateway{why}. The amount "
        "stays reserved and the order is in payment review until reconciliation asks the "
        "gateway what happened."
    )


def pending_text(txn: Transaction) -> str:
    noun = NOUNS[T(txn.type)]
    return _join(
        f"{noun} of {_money(txn)} {_how(txn)} is pending at the gateway. The amount stays "
        "reserved until the gateway confirms.",
        _references(txn),
    )


def in_progress_text(txn: Transaction) -> str:
    noun = NOUNS[T(txn.type)]
    return f"{noun} of {_money(txn)} {_how(txn)} is already being processed."
