"""The sandbox PSP on its own: state, idempotency, refusals, capabilities and faults."""

from datetime import timedelta

import pytest
from django.utils import timezone

from payments.gateways import (
    Capabilities,
    GatewayError,
    GatewayStatus,
    GatewayTimeout,
    IdempotencyConflict,
)
from payments.gateways.sandbox import SandboxGateway
from payments.models import SandboxCharge, SandboxOperation
from tests.payments.money_helpers import key

pytestmark = pytest.mark.django_db


def sandbox(**capabilities) -> SandboxGateway:
    return SandboxGateway(Capabilities(**capabilities), timeout=1)


def authorize(gw: SandboxGateway, amount: int = 10000, *, capture: bool = False) -> str:
    result = gw.authorize(amount=amount, currency="USD", idempotency_key=key(), capture=capture)
    assert result.status == GatewayStatus.SUCCESS
    return result.reference


def charge(reference: str) -> SandboxCharge:
    return SandboxCharge.objects.get(reference=reference)


def op(gw, kind: str, reference: str, amount: int, k: str | None = None):
    return getattr(gw, kind)(
        reference=reference, amount=amount, currency="USD", idempotency_key=k or key()
    )


def test_partial_and_multiple_captures_then_void_of_the_remainder():
    gw = sandbox()
    ref = authorize(gw)
    assert op(gw, "capture", ref, 3000).status == GatewayStatus.SUCCESS
    assert op(gw, "capture", ref, 2000).status == GatewayStatus.SUCCESS
    assert op(gw, "void", ref, 5000).status == GatewayStatus.SUCCESS
    c = charge(ref)
    assert (c.amount_captured, c.amount_voided, c.capture_count) == (5000, 5000, 2)


def test_it_refuses_over_capture_and_over_refund_on_its_own_side():
    gw = sandbox()
    ref = authorize(gw)
    over = op(gw, "capture", ref, 10001)
    assert over.status == GatewayStatus.DECLINED
    assert "exceeds the capturable amount ($100.00)" in over.message
    op(gw, "capture", ref, 6000)
    assert op(gw, "refund", ref, 4000).status == GatewayStatus.SUCCESS
    assert op(gw, "refund", ref, 1500).status == GatewayStatus.SUCCESS
    refused = op(gw, "refund", ref, 501)
    assert refused.status == GatewayStatus.DECLINED
    assert "refundable amount ($5.00)" in refused.message
    assert charge(ref).amount_refunded == 5500


def test_same_key_same_parameters_is_the_same_answer_without_a_second_effect():
    gw = sandbox()
    ref = authorize(gw)
    k = key()
    first = op(gw, "capture", ref, 2500, k)
    again = op(gw, "capture", ref, 2500, k)
    assert again == first
    assert charge(ref).amount_captured == 2500
    assert SandboxOperation.objects.filter(idempotency_key=k).count() == 1


def test_same_key_with_other_parameters_is_an_error():
    gw = sandbox()
    ref = authorize(gw)
    k = key()
    op(gw, "capture", ref, 2500, k)
    with pytest.raises(IdempotencyConflict):
        op(gw, "capture", ref, 2600, k)
    assert charge(ref).amount_captured == 2500


def test_capabilities_are_enforced_by_the_psp():
    gw = sandbox(partial_capture=False, partial_refund=False)
    ref = authorize(gw)
    assert "Partial capture" in op(gw, "capture", ref, 4000).message
    assert op(gw, "capture", ref, 10000).status == GatewayStatus.SUCCESS
    assert "Partial refund" in op(gw, "refund", ref, 4000).message
    assert op(gw, "refund", ref, 10000).status == GatewayStatus.SUCCESS

    single = sandbox(multicapture=False)
    ref = authorize(single)
    assert op(single, "capture", ref, 4000).status == GatewayStatus.SUCCESS
    assert "Multiple captures" in op(single, "capture", ref, 1000).message


def test_an_expired_authorization_cannot_be_captured():
    gw = sandbox()
    ref = authorize(gw)
    SandboxCharge.objects.filter(reference=ref).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert op(gw, "capture", ref, 100).message == "The authorization has expired."


def test_rebill_is_a_new_debit_on_a_sale():
    gw = sandbox()
    sale = authorize(gw, 5000, capture=True)
    assert op(gw, "rebill", sale, 700).status == GatewayStatus.SUCCESS
    c = charge(sale)
    assert (c.amount_authorized, c.amount_captured) == (5700, 5700)
    auth_only = authorize(gw)
    assert "needs a debit" in op(gw, "rebill", auth_only, 700).message


def test_unknown_reference_is_declined():
    assert "Unknown payment reference" in op(sandbox(), "capture", "nope", 100).message


# Faults ------------------------------------------------------------------------------------


def test_magic_amount_51_declines():
    gw = sandbox()
    result = gw.authorize(amount=1051, currency="USD", idempotency_key=key())
    assert result.status == GatewayStatus.DECLINED


def test_magic_amount_52_times_out_after_applying():
    gw = sandbox()
    ref = authorize(gw)
    k = key()
    with pytest.raises(GatewayTimeout):
        op(gw, "capture", ref, 1052, k)
    assert charge(ref).amount_captured == 1052
    assert gw.lookup(idempotency_key=k).status == GatewayStatus.SUCCESS


def test_magic_amount_53_times_out_before_applying():
    gw = sandbox()
    ref = authorize(gw)
    k = key()
    with pytest.raises(GatewayTimeout):
        op(gw, "capture", ref, 1053, k)
    assert charge(ref).amount_captured == 0
    assert gw.lookup(idempotency_key=k) is None


def test_magic_amount_54_is_a_server_error_with_nothing_applied():
    gw = sandbox()
    ref = authorize(gw)
    k = key()
    with pytest.raises(GatewayError) as raised:
        op(gw, "capture", ref, 1054, k)
    assert not isinstance(raised.value, GatewayTimeout)
    assert gw.lookup(idempotency_key=k) is None


def test_magic_amounts_55_and_56_are_pending_then_settle_on_lookup():
    gw = sandbox()
    ref = authorize(gw)
    ok, ko = key(), key()
    assert op(gw, "capture", ref, 1055, ok).status == GatewayStatus.PENDING
    assert op(gw, "capture", ref, 1056, ko).status == GatewayStatus.PENDING
    # Pending operations reserve their amount at the PSP.
    assert "capturable amount ($78.89)" in op(gw, "capture", ref, 10000).message
    assert gw.lookup(idempotency_key=ok).status == GatewayStatus.SUCCESS
    assert gw.lookup(idempotency_key=ko).status == GatewayStatus.DECLINED
    assert charge(ref).amount_captured == 1055


def test_forced_fault_setting_applies_to_one_kind_of_request(settings):
    gw = sandbox()
    ref = authorize(gw)
    settings.SANDBOX_FORCED_FAULT = "refund:timeout_before"
    assert op(gw, "capture", ref, 5000).status == GatewayStatus.SUCCESS
    with pytest.raises(GatewayTimeout):
        op(gw, "refund", ref, 1000)
    settings.SANDBOX_FORCED_FAULT = "decline"
    assert op(gw, "capture", ref, 100).status == GatewayStatus.DECLINED


def test_register_checkout_payment_lets_later_operations_work():
    gw = sandbox()
    gw.register_checkout_payment(
        reference="psp-auth-1", amount=6100, currency="USD", captured=False, expires_at=None
    )
    assert op(gw, "capture", "psp-auth-1", 6100).status == GatewayStatus.SUCCESS
