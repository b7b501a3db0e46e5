"""An order posted by a storefront: validated by the import's one validation, written by the
import's one writer (`orders.services.importing.order_import`).

- the token's store only: an order for another store is refused (403) before anything else;
- invalid: every error with its field path (400), nothing written;
- a number already stored: the same order again is answered with it (200, nothing changes),
  other content is a conflict (409) naming the fields that differ;
- otherwise the order is written in one transaction (201) and, once committed, its payments'
  gateways are told about them, as after a file import.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError

from api.models import ApiToken
from api.selectors import order_by_number
from orders.importing.fields import FieldError, LineInvalid
from orders.importing.gateway_checks import record_checked_with_gateways
from orders.importing.records import OrderRecord, parse_order_data
from orders.importing.sameness import order_differences
from orders.models import Order
from orders.services.importing import order_import, payments_register_with_gateway


@dataclass(frozen=True)
class Submission:
    status: int  # 201 created, 200 the same order again, 400, 403, 409
    order: Order | None = None
    number: str = ""
    errors: list[FieldError] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)


def api_order_submit(*, token: ApiToken, data: object) -> Submission:
    store = token.store
    if not isinstance(data, dict):
        return Submission(400, errors=[FieldError("", "must be one JSON object: the order")])
    claimed = data.get("store")
    if isinstance(claimed, str) and claimed.strip() and claimed.strip() != store.code:
        return Submission(403, number=_number_of(data))
    try:
        record = parse_order_data(data, store_currencies={store.code: store.currency})
    except LineInvalid as exc:
        return Submission(400, number=exc.number or "", errors=exc.errors)
    existing = order_by_number(record.number)
    if existing is not None:
        return _again(record, existing)
    try:
        record = record_checked_with_gateways(record, store=store)
    except LineInvalid as exc:
        return Submission(400, number=exc.number or "", errors=exc.errors)
    try:
        order_import(record=record, store=store, origin=f"API token {token.name!r}")
    except IntegrityError:
        # Another request inserted the same number between our check and our insert.
        existing = order_by_number(record.number)
        if existing is None:
            raise
        return _again(record, existing)
    created = order_by_number(record.number)
    assert created is not None
    payments_register_with_gateway(order=created)
    return Submission(201, order=created, number=created.number)


def _again(record: OrderRecord, existing: Order) -> Submission:
    differences = order_differences(record, existing)
    if differences:
        return Submission(409, number=record.number, differences=differences)
    return Submission(200, order=existing, number=existing.number)


def _number_of(data: dict) -> str:
    number = data.get("number")
    return number[:32] if isinstance(number, str) else ""
