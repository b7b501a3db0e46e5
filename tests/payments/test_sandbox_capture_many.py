"""Batch captures (`Gateway.capture_many`): the default one-by-one loop and the sandbox's
set-based override, which must answer and act exactly as `capture` called in order would."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from payments.gateways import (
    Capabilities,
    CaptureRequest,
    Gateway,
    GatewayError,
    GatewayResult,
    GatewayStatus,
    GatewayTimeout,
    IdempotencyConflict,
    sandbox_batch,
)
from payments.gateways.manual import ManualGateway
from payments.gateways.sandbox import SandboxGateway
from payments.models import SandboxCharge, SandboxOperation
from tests.payments.money_helpers import key

pytestmark = pytest.mark.django_db

SUCCESS, DECLINED, PENDING = GatewayStatus.SUCCESS, GatewayStatus.DECLINED, GatewayStatus.PENDING


def sandbox(**capabilities) -> SandboxGateway:
    return SandboxGateway(Capabilities(**capabilities), timeout=1)


def authorize(gw: SandboxGateway, amount: int = 10000) -> str:
    result = gw.authorize(amount=amount, currency="USD", idempotency_key=key())
    assert result.status == SUCCESS
    return result.reference


def req(reference: str, amount: int, k: str | None = None, currency: str = "USD"):
    return CaptureRequest(
        reference=reference, amount=amount, currency=currency, idempotency_key=k or key()
    )


def captured(reference: str) -> tuple[int, int]:
    charge = SandboxCharge.objects.get(reference=reference)
    return charge.amount_captured, charge.capture_count


def ops_for(*keys: str) -> list[tuple[str, int, str]]:
    rows = SandboxOperation.objects.filter(idempotency_key__in=keys).order_by("id")
    return [(op.idempotency_key, op.amount, op.status) for op in rows]


# The default implementation ----------------------------------------------------------------


class FlakyGateway(ManualGateway):
    """Captures 1 time out, 2 is a bug; anything else succeeds."""

    def capture(self, *, reference, amount, currency, idempotency_key):  # type: ignore[override]
        if amount == 1:
            raise GatewayTimeout("late")
        if amount == 2:
            raise ValueError("a bug, not a gateway answer")
        return GatewayResult(status=SUCCESS, reference=f"cp-{idempotency_key}")


def test_default_capture_many_answers_each_request_in_order_with_errors_as_instances():
    gw = FlakyGateway(Capabilities(), timeout=1)
    answers = gw.capture_many([req("a", 100, "k1"), req("a", 1, "k2"), req("b", 300, "k3")])
    assert answers[0] == GatewayResult(status=SUCCESS, reference="cp-k1")
    assert isinstance(answers[1], GatewayTimeout) and str(answers[1]) == "late"
    assert answers[2] == GatewayResult(status=SUCCESS, reference="cp-k3")
    # Only gateway answers become instances: a bug still stops the call.
    with pytest.raises(ValueError):
        gw.capture_many([req("a", 100), req("a", 2)])
    manual = ManualGateway(Capabilities(), timeout=1).capture_many([req("a", 100)])
    assert [type(answer) for answer in manual] == [GatewayError]


# The sandbox override ------------------------------------------------------------------------


def test_captures_on_one_charge_each_see_the_earlier_ones():
    gw = sandbox()
    one, two = authorize(gw), authorize(gw, 5000)
    answers = gw.capture_many(
        [req(one, 3000), req(two, 5000), req(one, 5000), req(one, 2001), req(one, 2000)]
    )
    assert [a.status for a in answers] == [SUCCESS, SUCCESS, SUCCESS, DECLINED, SUCCESS]
    assert answers[3].message == "The amount exceeds the capturable amount ($20.00)."
    assert answers[0].reference.startswith("sbx_op_") and answers[3].reference == ""
    assert captured(one) == (10000, 3) and captured(two) == (5000, 1)
    assert SandboxOperation.objects.filter(kind="capture").count() == 5


def test_magic_amounts_in_a_batch_answer_and_apply_as_single_captures_do():
    gw = sandbox()
    ref = authorize(gw, 100000)
    keys = [key() for _ in range(7)]
    amounts = [1051, 1052, 1053, 1054, 1055, 1056, 1000]
    answers = gw.capture_many([req(ref, a, k) for a, k in zip(amounts, keys, strict=True)])
    declined, after, before, server, pending, pending_decline, ok = answers
    assert declined.status == DECLINED and "Declined by the issuer" in declined.message
    assert isinstance(after, GatewayTimeout) and "applied" in str(after)
    assert isinstance(before, GatewayTimeout) and "before reaching" in str(before)
    assert type(server) is GatewayError and "server error" in str(server)
    assert pending.status == pending_decline.status == PENDING
    assert ok.status == SUCCESS
    # Applied: the timeout-after and the plain capture; pending ones only reserve.
    assert captured(ref) == (1052 + 1000, 2)
    recorded = {k: status for k, _, status in ops_for(*keys)}
    assert recorded == {
        keys[0]: "declined",
        keys[1]: "success",
        keys[4]: "pending",
        keys[5]: "pending",
        keys[6]: "success",
    }
    assert gw.lookup(idempotency_key=keys[2]) is None
    assert gw.lookup(idempotency_key=keys[3]) is None
    assert gw.lookup(idempotency_key=keys[5]).status == DECLINED


def test_pending_captures_reserve_their_amount_within_the_batch_and_from_before():
    gw = sandbox()
    ref = authorize(gw)
    gw.capture(reference=ref, amount=2055, currency="USD", idempotency_key=key())
    answers = gw.capture_many([req(ref, 3055), req(ref, 4891), req(ref, 4890)])
    assert [a.status for a in answers] == [PENDING, DECLINED, SUCCESS]
    assert answers[1].message == "The amount exceeds the capturable amount ($48.90)."
    assert captured(ref) == (4890, 1)


def test_forced_fault_setting_applies_to_batch_captures(settings):
    gw = sandbox()
    ref = authorize(gw)
    settings.SANDBOX_FORCED_FAULT = "refund:decline,capture:timeout_before"
    answers = gw.capture_many([req(ref, 1000), req(ref, 2000)])
    assert all(isinstance(a, GatewayTimeout) for a in answers)
    assert captured(ref) == (0, 0)
    assert not SandboxOperation.objects.filter(kind="capture").exists()
    settings.SANDBOX_FORCED_FAULT = "capture:pending_decline"
    assert gw.capture_many([req(ref, 1000)])[0].status == PENDING


def test_a_key_used_before_replays_its_answer_or_conflicts_without_a_second_effect():
    gw = sandbox()
    ref = authorize(gw)
    k1, k2, k3 = key(), key(), key()
    first = gw.capture(reference=ref, amount=2500, currency="USD", idempotency_key=k1)
    with pytest.raises(GatewayTimeout):
        gw.capture(reference=ref, amount=1052, currency="USD", idempotency_key=k2)
    answers = gw.capture_many([req(ref, 2500, k1), req(ref, 2600, k1), req(ref, 1052, k2)])
    assert answers[0] == first
    assert isinstance(answers[1], IdempotencyConflict)
    assert "already used with different parameters" in str(answers[1])
    # Asking again for a request that timed out after applying gets its recorded answer.
    assert answers[2].status == SUCCESS and answers[2].raw["amount"] == 1052
    assert captured(ref) == (2500 + 1052, 2)
    assert ops_for(k1, k2, k3) == [(k1, 2500, "success"), (k2, 1052, "success")]


def test_a_key_repeated_within_one_batch_is_a_replay_of_its_first_use():
    gw = sandbox()
    ref = authorize(gw)
    k = key()
    answers = gw.capture_many([req(ref, 2500, k), req(ref, 2500, k), req(ref, 2600, k)])
    assert answers[1] == answers[0] and answers[0].status == SUCCESS
    assert isinstance(answers[2], IdempotencyConflict)
    assert captured(ref) == (2500, 1)
    assert ops_for(k) == [(k, 2500, "success")]


def test_a_key_whose_first_use_timed_out_before_applying_is_new_the_second_time():
    gw = sandbox()
    ref = authorize(gw)
    k = key()
    answers = gw.capture_many([req(ref, 1053, k), req(ref, 1000, k)])
    assert isinstance(answers[0], GatewayTimeout) and answers[1].status == SUCCESS
    assert ops_for(k) == [(k, 1000, "success")]


def test_the_psp_rules_hold_in_a_batch():
    gw = sandbox()
    expired = authorize(gw)
    SandboxCharge.objects.filter(reference=expired).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    single = authorize(sandbox(multicapture=False))
    whole = authorize(sandbox(partial_capture=False))
    answers = gw.capture_many(
        [
            req(expired, 100),
            req(single, 4000),
            req(single, 1000),
            req(whole, 4000),
            req(whole, 10000),
            req("nope", 100),
            req(whole, 100, currency="EUR"),
            req(single, 0),
        ]
    )
    assert [getattr(a, "message", a) for a in answers] == [
        "The authorization has expired.",
        "Approved.",
        "Multiple captures are not supported.",
        "Partial capture is not supported.",
        "Approved.",
        "Unknown payment reference 'nope'.",
        "Unknown payment reference '" + whole + "'.",
        "The amount must be positive.",
    ]
    assert captured(expired) == (0, 0)
    assert captured(single) == (4000, 1)
    assert captured(whole) == (10000, 1)
    unknown = SandboxOperation.objects.get(amount=100, charge__isnull=True, currency="USD")
    assert unknown.status == "declined"


def test_a_pending_capture_counts_as_a_capture_when_multicapture_is_off():
    gw = sandbox(multicapture=False)
    ref = authorize(gw)
    answers = gw.capture_many([req(ref, 1055), req(ref, 1000)])
    assert answers[0].status == PENDING
    assert answers[1].message == "Multiple captures are not supported."


# Equivalence with one-by-one captures -------------------------------------------------------


def mixed_requests(gw: SandboxGateway, run: str) -> tuple[list[CaptureRequest], list[str]]:
    """Fresh charges and a mixed list over them; keys are prefixed by `run` (keys are global)."""
    refs = [authorize(gw, 10000), authorize(gw, 5000), authorize(gw, 20000)]
    # Used before the batch, as a retried chunk would have.
    gw.capture(reference=refs[2], amount=3000, currency="USD", idempotency_key=f"{run}-old")
    a, b, c = refs
    plan = [
        (a, 3000, "1"),  # success
        (a, 1051, "2"),  # decline
        (a, 1052, "3"),  # applied, then timeout
        (a, 1053, "4"),  # timeout before applying
        (b, 1054, "5"),  # server error
        (b, 1055, "6"),  # pending
        (b, 1056, "7"),  # pending, settles declined
        (b, 3000, "8"),  # over the remainder left by the pending ones
        (a, 3000, "1"),  # replay within the batch
        (c, 3000, "old"),  # replay of a key used before
        (c, 3001, "old"),  # conflict
        (a, 6000, "9"),  # over-capture after the earlier ones
        (a, 5948, "10"),  # exactly the rest
        ("unknown", 100, "11"),
    ]
    requests = [req(ref, amount, f"{run}-{k}") for ref, amount, k in plan]
    return requests, refs


def comparable(answer: GatewayResult | GatewayError) -> tuple:
    if isinstance(answer, GatewayError):
        return (type(answer).__name__, str(answer))
    raw = answer.raw
    return (answer.status, answer.message, raw["kind"], raw["amount"], bool(answer.reference))


def state(refs: list[str], requests: list[CaptureRequest], gw: SandboxGateway) -> tuple:
    charges = [SandboxCharge.objects.get(reference=ref) for ref in refs]
    amounts = [(c.amount_captured, c.capture_count, c.amount_voided) for c in charges]
    ops = [
        (refs.index(op.charge.reference) if op.charge else None, op.amount, op.status, op.message)
        for op in SandboxOperation.objects.filter(charge__in=charges, kind="capture")
        .select_related("charge")
        .order_by("id")
    ]
    # What reconciliation will learn about each request (settles the pending ones).
    looked_up = [gw.lookup(idempotency_key=r.idempotency_key) for r in requests]
    return amounts, ops, [None if x is None else comparable(x) for x in looked_up]


def one_by_one(gw: SandboxGateway, requests: list[CaptureRequest]) -> list:
    """The interface's default: `capture` called for each request in turn."""
    return Gateway.capture_many(gw, requests)


def test_capture_many_is_equivalent_to_capturing_one_by_one():
    gw = sandbox()
    batch_requests, batch_refs = mixed_requests(gw, "batch")
    batch_answers = gw.capture_many(batch_requests)

    single_requests, single_refs = mixed_requests(gw, "single")
    single_answers = one_by_one(gw, single_requests)

    assert [comparable(a) for a in batch_answers] == [comparable(a) for a in single_answers]
    assert state(batch_refs, batch_requests, gw) == state(single_refs, single_requests, gw)
    assert sum(isinstance(a, GatewayError) for a in batch_answers) == 4


# Cost ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 50])
def test_a_batch_costs_a_constant_number_of_queries(size, django_assert_max_num_queries):
    gw = sandbox()
    refs = [authorize(gw) for _ in range(size // 5)]
    gw.capture(reference=refs[0], amount=1055, currency="USD", idempotency_key="seen")
    requests = [req(refs[i % len(refs)], 1000) for i in range(size - 3)]
    # A key seen before, a key repeated within the call, an unknown reference.
    requests += [req(refs[0], 1055, "seen"), requests[0], req("unknown", 100)]
    with django_assert_max_num_queries(8):
        answers = gw.capture_many(requests)
    assert [a.status for a in answers[:-3]] == [SUCCESS] * (size - 3)
    assert [a.status for a in answers[-3:]] == [PENDING, SUCCESS, DECLINED]
    assert sum(captured(ref)[0] for ref in refs) == 1000 * (size - 3)


def test_charges_beyond_one_statements_parameter_limit_are_all_written(monkeypatch):
    gw = sandbox()
    refs = [authorize(gw) for _ in range(5)]
    # Two charges' amounts per UPDATE statement, as if the database took 12 parameters.
    monkeypatch.setattr(type(connection.features), "max_query_params", 12)
    answers = gw.capture_many([req(ref, 1000 + i) for i, ref in enumerate(refs)])
    assert [a.status for a in answers] == [SUCCESS] * 5
    assert [captured(ref) for ref in refs] == [(1000 + i, 1) for i in range(5)]


# A concurrent request with one of the keys ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_key_inserted_concurrently_makes_the_batch_answer_one_by_one(monkeypatch):
    gw = sandbox()
    ours, theirs = authorize(gw), authorize(gw)
    shared = key()
    looked, inserted = threading.Event(), threading.Event()
    original = sandbox_batch.pending_totals

    def pause_after_locking(charges):
        # Our keys were looked up and our charges locked: now the other request goes first.
        if not looked.is_set():
            looked.set()
            assert inserted.wait(timeout=10)
        return original(charges)

    def other_request() -> None:
        try:
            looked.wait(timeout=10)
            gw.capture(reference=theirs, amount=500, currency="USD", idempotency_key=shared)
        finally:
            inserted.set()
            connection.close()

    monkeypatch.setattr(sandbox_batch, "pending_totals", pause_after_locking)
    thread = threading.Thread(target=other_request)
    thread.start()
    answers = gw.capture_many([req(ours, 1000, shared), req(ours, 2000)])
    thread.join()
    assert isinstance(answers[0], IdempotencyConflict)
    assert answers[1].status == SUCCESS
    assert captured(ours) == (2000, 1) and captured(theirs) == (500, 1)
