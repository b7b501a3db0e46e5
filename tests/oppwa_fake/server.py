"""A local HTTP server speaking the part of OPPWA's REST API the adapter uses, in a thread.

The adapter's real httpx client talks to it (`OPPWA_API_BASE`): bearer token, form-encoded
`POST /v1/payments/{id}`, `GET /v1/query?merchantTransactionId=…`, `GET /v1/query/{id}`
(`includeLinkedTransactions=true`), always with the account's `entityId`. Faults for tests
(`fake.faults`, the next request of that paymentType, or "query"): "drop_after" applies the
request then closes the connection without an answer, "drop_before" closes it before,
"500" answers an HTML error page, "comm_error" applies it and answers OPPWA's
`900.100.300` (uncertain result), "bank_decline" refuses it with `800.100.151`, "pending"
applies it as pending (`000.200.000`, settled later with `FakeOppwa.settle`), "review"
applies it with `000.400.010` (successful, review manually).
"""

import json
from contextlib import AbstractContextManager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from babel.numbers import get_currency_precision

from tests.fake_http import serving
from tests.oppwa_fake.state import BANK_DECLINE, NOT_FOUND, FakeOppwa, OppwaFail

OK_QUERY = {"code": "000.000.100", "description": "successful request"}
UNCERTAIN = {"code": "900.100.300", "description": "timeout, uncertain result"}
AUTH = {"code": "800.900.300", "description": "invalid authentication information"}
CODES = {
    "pending": {"code": "000.200.000", "description": "transaction pending"},
    "review": {
        "code": "000.400.010",
        "description": "Transaction succeeded (please review manually due to AVS return code)",
    },
}


class Handler(BaseHTTPRequestHandler):
    fake: FakeOppwa

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = dict(parse_qsl(body if method == "POST" else url.query, keep_blank_values=True))
        fake = self.fake
        fake.requests.append((method, url.path, params))
        if self.headers.get("Authorization") != f"Bearer {fake.access_token}":
            self._send(401, {"result": AUTH})
            return
        if params.get("entityId") != fake.entity_id:
            self._send(401, {"result": AUTH})
            return
        fault = self._fault("query" if method == "GET" else params.get("paymentType", ""))
        if fault == "drop_before":
            self.close_connection = True
            return
        if fault == "500":
            self._send_raw(500, b"<html><body>Internal Server Error</body></html>", "text/html")
            return
        with fake.lock:
            status, answer = self._answer(method, url.path, params, fault)
        if fault == "drop_after":
            self.close_connection = True
            return
        self._send(status, answer)

    def _fault(self, kind: str) -> str:
        with self.fake.lock:
            for i, (wanted, fault) in enumerate(self.fake.faults):
                if wanted == kind:
                    del self.fake.faults[i]
                    return fault
        return ""

    def _answer(
        self, method: str, path: str, params: dict[str, str], fault: str
    ) -> tuple[int, dict[str, Any]]:
        fake = self.fake
        parts = path.strip("/").split("/")
        try:
            if method == "POST" and parts[:2] == ["v1", "payments"] and len(parts) == 3:
                if fault == "bank_decline":
                    return 200, self._decline(parts[2], params)
                made = fake.operate(parts[2], params)
                if fault in CODES:
                    made.update(_ok=fault == "review", result=CODES[fault])
                txn = fake.public(made)
                return 200, {**txn, "result": UNCERTAIN} if fault == "comm_error" else txn
            if method == "GET" and parts == ["v1", "query"]:
                found = fake.query_merchant(params.get("merchantTransactionId", ""))
                if not found:
                    raise OppwaFail(NOT_FOUND)
                return 200, {"result": OK_QUERY, "payments": found}
            if method == "GET" and parts[:2] == ["v1", "query"] and len(parts) == 3:
                if parts[2] not in fake.transactions:
                    raise OppwaFail(NOT_FOUND)
                if params.get("includeLinkedTransactions") == "true":
                    return 200, {"result": OK_QUERY, "payments": fake.linked(parts[2])}
                return 200, fake.public(fake.transactions[parts[2]])
        except OppwaFail as fail:
            return fail.status, {
                "result": {"code": fail.code[0], "description": fail.code[1]},
                "timestamp": "",
            }
        return 404, {"result": {"code": "600.200.500", "description": "Invalid payment data"}}

    def _decline(self, reference: str, params: dict[str, str]) -> dict[str, Any]:
        currency = params.get("currency", "EUR")
        amount = int(Decimal(params.get("amount", "0")).scaleb(get_currency_precision(currency)))
        txn = self.fake.rejected(
            params.get("paymentType", ""),
            amount,
            currency,
            reference,
            params.get("merchantTransactionId", ""),
            BANK_DECLINE,
        )
        return self.fake.public(txn)

    def _send(self, status: int, answer: dict[str, Any]) -> None:
        self._send_raw(status, json.dumps(answer).encode(), "application/json")

    def _send_raw(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def running(fake: FakeOppwa) -> AbstractContextManager[str]:
    """Serve `fake` on a free local port; the context gives its base URL."""
    return serving(type("BoundHandler", (Handler,), {"fake": fake}))
