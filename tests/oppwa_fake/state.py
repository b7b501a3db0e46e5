"""The fake's OPPWA: transactions and their back-office operations, strict where OPPWA is.

Built from OPPWA's public documentation: a PA can be captured (CP) in parts up to its amount
and reversed (RV) once; a CP, DB or RB can be refunded (RF) up to its amount; a DB can be
rebilled (RB). Amounts are text (`[0-9]{1,12}(\\.[0-9]{2})?`), merchantTransactionId 8 to
255 characters, descriptor at most 127. Answers carry a `result` with a documented code:
`000.100.110` for success (test mode), `700.400.x00` for a refused workflow, `200.300.404`
for an invalid parameter, `800.100.151` when a test forces a bank decline. No idempotency:
the same request sent twice is applied twice, as at OPPWA.
"""

import itertools
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import get_currency_precision

SUCCESS = ("000.100.110", "Request successfully processed in 'Merchant in Integrator Test Mode'")
NOT_FOUND = ("700.400.580", "cannot find transaction")
CANNOT_CAPTURE = (
    "700.400.100",
    "cannot capture (PA value exceeded, PA reverted or invalid workflow?)",
)
CANNOT_REFUND = (
    "700.400.200",
    "cannot refund (refund volume exceeded or tx reversed or invalid workflow?)",
)
CANNOT_REVERSE = (
    "700.400.300",
    "cannot reverse (already refunded|reversed, invalid workflow or amount exceeded)",
)
INVALID = ("200.300.404", "invalid or missing parameter")
BANK_DECLINE = ("800.100.151", "transaction declined (invalid card)")
AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{2})?")


class OppwaFail(Exception):
    def __init__(self, code: tuple[str, str], status: int = 400) -> None:
        super().__init__(code[1])
        self.code, self.status = code, status


@dataclass
class FakeOppwa:
    access_token: str = "OGFjN2E0Yzc4ZmFrZXRva2Vu"
    entity_id: str = "8ac7a4c78fakeentity0001"
    webhook_secret: str = "a3" * 32
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Faults of the next matching requests: (paymentType or "query", fault), see server.py.
    faults: list[tuple[str, str]] = field(default_factory=list)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> str:
        return f"8ac7a4{next(self.ids):06d}" + uuid.uuid4().hex[:20]

    # -- the storefront's and the BIP's side ----------------------------------------------

    def checkout(self, amount: int, currency: str = "EUR", *, sale: bool = False) -> dict[str, Any]:
        """A PA (or DB) the storefront made at checkout."""
        return self._add(
            "DB" if sale else "PA", amount, currency, "", f"shop-{uuid.uuid4().hex[:12]}"
        )

    def bip(self, payment_type: str, referenced: str, amount: int) -> dict[str, Any]:
        """Staff act in the Business Intelligence Platform (or the acquirer sends a CB/CR)."""
        target = self.transactions[referenced]
        with self.lock:
            self._check(payment_type, target, amount)
            txn = self._add(payment_type, amount, target["currency"], referenced, "")
        if payment_type == "CB":
            txn["result"] = {
                "code": "000.100.206",
                "description": "Fraudulent transaction (chargeback)",
            }
        return txn

    # -- the API -----------------------------------------------------------------------------

    def operate(self, reference: str, form: dict[str, str]) -> dict[str, Any]:
        """`POST /v1/payments/{reference}`: a back-office operation."""
        kind = form.get("paymentType", "")
        target = self.transactions.get(reference)
        if target is None:
            raise OppwaFail(NOT_FOUND)
        currency = form.get("currency", "")
        text = form.get("amount", "")
        mtid = form.get("merchantTransactionId", "")
        if (
            kind not in {"CP", "RV", "RF", "RB"}
            or currency != target["currency"]
            or not AMOUNT.fullmatch(text)
            or (mtid and not 8 <= len(mtid) <= 255)
            or len(form.get("descriptor", "")) > 127
        ):
            raise OppwaFail(INVALID)
        amount = int(Decimal(text).scaleb(get_currency_precision(currency)))
        try:
            self._check(kind, target, amount)
        except OppwaFail as fail:
            self.rejected(kind, amount, currency, reference, mtid, fail.code)
            raise
        return self._add(kind, amount, currency, reference, mtid, form.get("descriptor", ""))

    def rejected(
        self,
        kind: str,
        amount: int,
        currency: str,
        reference: str,
        mtid: str,
        code: tuple[str, str],
    ) -> dict[str, Any]:
        """A refused request is recorded too, with its code (a query finds it)."""
        txn = self._add(kind, amount, currency, reference, mtid)
        txn.update(_ok=False, result={"code": code[0], "description": code[1]})
        return txn

    def settle(self, tid: str, code: tuple[str, str] = SUCCESS) -> None:
        """A pending transaction's final answer arrives at OPPWA."""
        txn = self.transactions[tid]
        txn.update(_ok=code == SUCCESS, result={"code": code[0], "description": code[1]})

    def query_merchant(self, mtid: str) -> list[dict[str, Any]]:
        return [
            self.public(t) for t in self.transactions.values() if t["merchantTransactionId"] == mtid
        ]

    def linked(self, reference: str) -> list[dict[str, Any]]:
        """The payment and every transaction linked to it (through any chain)."""
        return [
            self.public(t) for t in self.transactions.values() if self.root(t["id"]) == reference
        ]

    def root(self, tid: str) -> str:
        while self.transactions[tid]["referencedId"]:
            tid = self.transactions[tid]["referencedId"]
        return tid

    # -- rules -----------------------------------------------------------------------------

    def _children(self, target: dict[str, Any], kind: str) -> int:
        return sum(
            t["_amount"]
            for t in self.transactions.values()
            if t["referencedId"] == target["id"] and t["paymentType"] == kind and t["_ok"]
        )

    def _check(self, kind: str, target: dict[str, Any], amount: int) -> None:
        base = target["paymentType"]
        if amount <= 0:
            raise OppwaFail(INVALID)
        if kind == "CP":
            if base != "PA" or self._children(target, "RV"):
                raise OppwaFail(CANNOT_CAPTURE)
            if self._children(target, "CP") + amount > target["_amount"]:
                raise OppwaFail(CANNOT_CAPTURE)
        elif kind == "RV":
            open_ = target["_amount"] - self._children(target, "CP")
            if base != "PA" or self._children(target, "RV") or amount > open_:
                raise OppwaFail(CANNOT_REVERSE)
        elif kind == "RF":
            if base not in {"CP", "DB", "RB"}:
                raise OppwaFail(CANNOT_REFUND)
            if self._children(target, "RF") + amount > target["_amount"]:
                raise OppwaFail(CANNOT_REFUND)
        elif kind == "RB" and base != "DB":
            raise OppwaFail(INVALID)

    def _add(
        self,
        kind: str,
        amount: int,
        currency: str,
        referenced: str,
        mtid: str,
        descriptor: str = "",
    ) -> dict[str, Any]:
        txn = {
            "id": self.new_id(),
            "paymentType": kind,
            "_amount": amount,
            "currency": currency,
            "referencedId": referenced,
            "merchantTransactionId": mtid,
            "descriptor": descriptor,
            "result": {"code": SUCCESS[0], "description": SUCCESS[1]},
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%S.000+0000", time.gmtime()),
            "_ok": True,
        }
        self.transactions[txn["id"]] = txn
        return txn

    def public(self, txn: dict[str, Any]) -> dict[str, Any]:
        digits = min(get_currency_precision(txn["currency"]), 2)
        value = Decimal(txn["_amount"]).scaleb(-get_currency_precision(txn["currency"]))
        out = {k: v for k, v in txn.items() if not k.startswith("_") and v != ""}
        out["amount"] = f"{value:.{digits}f}"
        out["ndc"] = f"{self.entity_id}_{txn['id'][-8:]}"
        return out
