"""verify_ledger: cached amounts against the ledger, drift reported with exit status 1."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from payments.models import Payment
from payments.services import payment_refund
from tests.payments.money_helpers import captured_payment, key

pytestmark = pytest.mark.django_db


def verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_ledger", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_consistent_ledger_passes():
    payment = captured_payment(10000)
    payment_refund(
        payment=payment, amount=2500, online=True, actor=None, idempotency_key=key(), source="batch"
    )
    captured_payment(5000)
    out, err = verify("--chunk-size", "1")
    assert out.strip() == "Checked 2 payment(s): 0 with drift."
    assert err == ""


def test_drift_is_reported_per_field_and_exits_1():
    payment = captured_payment(10000)
    Payment.objects.filter(pk=payment.pk).update(amount_captured=9000)  # a bug bypassing recompute
    with pytest.raises(CommandError) as raised:
        verify()
    assert raised.value.returncode == 1
    assert "1 payment(s) drifted" in str(raised.value)


def test_drift_lines_name_the_order_and_the_amounts(capsys):
    payment = captured_payment(10000)
    Payment.objects.filter(pk=payment.pk).update(amount_captured=9000)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=out, stderr=err)
    assert (
        f"#{payment.order.number} payment {payment.pk}: amount_captured cached $90.00 "
        "≠ ledger $100.00"
    ) in err.getvalue()
    assert "Checked 1 payment(s): 1 with drift." in out.getvalue()


def test_store_and_limit_narrow_the_check():
    captured_payment(10000)
    assert verify("--store", "eu")[0].strip() == "Checked 0 payment(s): 0 with drift."
    assert verify("--limit", "1")[0].strip() == "Checked 1 payment(s): 0 with drift."
