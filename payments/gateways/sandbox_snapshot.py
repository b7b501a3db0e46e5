"""The sandbox PSP's own view of its charges (`Gateway.snapshot`), as its dashboard shows it.

Read from its own tables (SandboxCharge, SandboxOperation) in two queries however many charges
are asked about. Pending operations (delayed answers) are "in flight": their effect, worked out
by the same arithmetic that applies them (`sandbox_rules.effect`), is reported apart.
"""

from collections.abc import Sequence

from payments.gateways import sandbox_rules as rules
from payments.gateways.base import GatewaySnapshot
from payments.models import SandboxCharge


def snapshots(references: Sequence[str]) -> dict[str, GatewaySnapshot]:
    """{reference: snapshot} for the charges the sandbox knows among `references`."""
    charges = list(SandboxCharge.objects.filter(reference__in=set(references)))
    pending = rules.pending_totals(charges)
    return {
        charge.reference: GatewaySnapshot(
            reference=charge.reference,
            currency=charge.currency,
            authorized=charge.amount_authorized,
            captured=charge.amount_captured,
            refunded=charge.amount_refunded,
            voided=charge.amount_voided,
            charged_back=charge.amount_charged_back,
            in_flight=_in_flight(charge.currency, pending[charge.pk]),
        )
        for charge in charges
    }


def _in_flight(currency: str, pending: dict[str, int]) -> dict[str, int]:
    """What the pending operations will add to each amount once they settle as success."""
    blank = SandboxCharge(currency=currency)
    for kind, amount in pending.items():
        rules.effect(blank, kind, amount)
    amounts = {
        "authorized": blank.amount_authorized,
        "captured": blank.amount_captured,
        "refunded": blank.amount_refunded,
        "voided": blank.amount_voided,
        "charged_back": blank.amount_charged_back,
    }
    return {name: amount for name, amount in amounts.items() if amount}
