"""The fake's notifications (webhooks), encrypted as OPPWA encrypts them.

AES-256-GCM with the webhook secret (64 hex digits) as the key and a random 12-byte IV; the
body is the hex ciphertext, `X-Initialization-Vector` and `X-Authentication-Tag` are hex.
"""

import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.oppwa_fake.state import FakeOppwa


def payment_notification(fake: FakeOppwa, txn: dict[str, Any]) -> dict[str, Any]:
    """What OPPWA sends about a transaction: its payload as the API would answer it."""
    return {"type": "PAYMENT", "payload": fake.public(txn)}


def test_notification() -> dict[str, Any]:
    """What the BIP's "test" button sends."""
    return {"type": "test", "payload": {"id": "test", "result": {"code": "000.000.000"}}}


def encrypted(
    fake: FakeOppwa, notification: dict[str, Any], *, secret: str | None = None
) -> tuple[dict[str, str], bytes]:
    """The headers and body OPPWA POSTs to the notification URL."""
    key = bytes.fromhex(secret or fake.webhook_secret)
    iv = os.urandom(12)
    sealed = AESGCM(key).encrypt(iv, json.dumps(notification).encode(), None)
    ciphertext, tag = sealed[:-16], sealed[-16:]
    headers = {
        "X-Initialization-Vector": iv.hex().upper(),
        "X-Authentication-Tag": tag.hex().upper(),
    }
    return headers, ciphertext.hex().upper().encode()


test_notification.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
