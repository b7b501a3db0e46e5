"""A local HTTP server speaking the part of Stripe's API the adapter uses, run in a thread.

The real `stripe` SDK talks to it (`STRIPE_API_BASE`): form-encoded bodies with Stripe's
bracket syntax, bearer keys, `Idempotency-Key`. Faults for tests (`fake.faults`):
"drop_after" applies the request then closes the connection without an answer (the timeout
after Stripe applied it), "drop_before" closes it before, "500" and "429" answer errors. A
fault's path fragment ending in "$" matches that exact path only.
"""

import json
import re
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fake_http import serving
from tests.stripe_fake import checkout
from tests.stripe_fake.state import FakeStripe, StripeFail


def parse_form(text: str) -> dict[str, Any]:
    """`metadata[k]=v&expand[0]=x&amount=5` → {"metadata": {"k": "v"}, "expand": ["x"], ...}."""
    out: dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", name)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    for key, value in list(out.items()):
        if isinstance(value, dict) and value and all(k.isdigit() for k in value):
            out[key] = [value[k] for k in sorted(value, key=int)]
    return out


class Handler(BaseHTTPRequestHandler):
    fake: FakeStripe

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
        params = parse_form(body if method == "POST" else url.query)
        key = self.headers.get("Idempotency-Key", "")
        fake = self.fake
        fake.requests.append((method, url.path, params, key))
        if self.headers.get("Authorization") != f"Bearer {fake.secret_key}":
            self._send(
                401,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Invalid API Key provided: sk_****",
                    }
                },
            )
            return
        fault = self._fault(url.path)
        if fault == "drop_before":
            self.close_connection = True
            return
        if fault in {"500", "429"}:
            kind = "api_error" if fault == "500" else "rate_limit_error"
            self._send(int(fault), {"error": {"type": kind, "message": "Fake fault."}})
            return
        with fake.lock:
            status, answer = self._answer(method, url.path, params, key, body)
        if fault == "drop_after":
            self.close_connection = True
            return
        self._send(status, answer)

    def _fault(self, path: str) -> str:
        with self.fake.lock:
            for i, (fragment, fault) in enumerate(self.fake.faults):
                # "…$": that exact path only (a create, not the retrievals under it).
                exact = fragment.endswith("$") and path == fragment[:-1]
                if exact or fragment in path:
                    del self.fake.faults[i]
                    return fault
        return ""

    def _answer(
        self, method: str, path: str, params: dict[str, Any], key: str, body: str
    ) -> tuple[int, dict[str, Any]]:
        fake = self.fake
        fingerprint = f"{method} {path} {sorted(parse_qsl(body))}"
        if method == "POST" and key in fake.idempotency:
            first, status, answer = fake.idempotency[key]
            if first != fingerprint:
                return 400, {
                    "error": {
                        "type": "idempotency_error",
                        "message": (
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{key}' if you "
                            "meant to execute a different request."
                        ),
                    }
                }
            return status, answer
        try:
            status, answer = 200, route(fake, method, path, params)
        except StripeFail as fail:
            if not fail.saved:
                return fail.status, fail.body
            status, answer = fail.status, fail.body
        if method == "POST" and key:
            fake.idempotency[key] = (fingerprint, status, answer)
        return status, answer

    def _send(self, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_fake")
        self.end_headers()
        self.wfile.write(data)


def route(fake: FakeStripe, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
    parts = path.strip("/").split("/")
    if parts[:2] == ["v1", "payment_intents"]:
        if method == "GET" and parts[2:] == ["search"]:
            return _search(fake, str(params.get("query", "")))
        if method == "GET" and len(parts) == 3:
            expand = "payment_method" in (params.get("expand") or [])
            return fake.public(fake.intent(parts[2]), expand)
        if method == "POST" and parts[3:] == ["capture"]:
            return fake.public(fake.capture(parts[2], params))
        if method == "POST" and parts[3:] == ["cancel"]:
            return fake.public(fake.cancel(parts[2]))
        if method == "POST" and len(parts) == 2:
            return fake.public(fake.off_session(params))
    if parts == ["v1", "refunds"]:
        if method == "POST":
            return fake.refund(params)
        found = [
            r for r in fake.refunds.values() if r["payment_intent"] == params.get("payment_intent")
        ]
        return {"object": "list", "url": "/v1/refunds", "has_more": False, "data": found}
    if parts[:3] == ["v1", "checkout", "sessions"]:
        if method == "POST" and len(parts) == 3:
            return fake.public(checkout.create_session(fake, params))
        if method == "GET" and len(parts) == 4:
            return fake.public(checkout.get_session(fake, parts[3]))
    if parts == ["v1", "disputes"] and method == "GET":
        wanted = params.get("payment_intent")
        disputes = [d for d in fake.disputes.values() if d["payment_intent"] == wanted]
        return {"object": "list", "url": "/v1/disputes", "has_more": False, "data": disputes}
    raise StripeFail(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")


def _search(fake: FakeStripe, query: str) -> dict[str, Any]:
    match = re.fullmatch(r"metadata\['([^']+)'\]:'([^']*)'", query)
    hits = [
        fake.public(pi)
        for pi in fake.intents.values()
        if match and pi["metadata"].get(match.group(1)) == match.group(2)
    ]
    return {
        "object": "search_result",
        "url": "/v1/payment_intents/search",
        "has_more": False,
        "data": hits,
        "next_page": None,
    }


def running(fake: FakeStripe) -> AbstractContextManager[str]:
    """Serve `fake` on a free local port; the context gives its base URL."""
    return serving(type("BoundHandler", (Handler,), {"fake": fake}))
