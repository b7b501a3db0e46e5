"""Typed fields out of one parsed JSON line, with one message per bad field."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.dateparse import parse_datetime

from backoffice.money import MoneyError, parse_amount

# The import format's amounts are decimal strings in major units ("12.50", "1,234.56"): read
# as en_US, by the one parser of typed amounts (no e-notation, no more decimals than the
# currency has).
IMPORT_LOCALE = "en_US"


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: `path` as "items[0].price" ("" for the order as a whole).

    The file import prints it as one reason ("items[0].price: JPY has no decimals"); the API
    answers the errors grouped by path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class LineInvalid(Exception):
    """An order that cannot be imported: every error found, with the order's number if any."""

    def __init__(self, errors: list[FieldError], *, number: str | None = None) -> None:
        self.errors = errors
        self.reasons = [str(error) for error in errors]
        super().__init__("; ".join(self.reasons))
        self.number = number


class FieldReader:
    """Reads typed fields out of parsed JSON, collecting one message per bad field."""

    def __init__(self, currency: str | None) -> None:
        self.currency = currency
        self.errors: list[FieldError] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def obj(self, parent: Mapping, key: str, path: str, allowed: frozenset[str]) -> dict | None:
        value = parent.get(key)
        if value is None:
            self.error(path, "is required")
            return None
        if not isinstance(value, dict):
            self.error(path, "must be an object")
            return None
        for unknown in sorted(set(value) - allowed):
            self.error(path, f"unknown field {unknown!r}")
        return value

    def text(
        self,
        parent: Mapping,
        key: str,
        path: str,
        *,
        required: bool = True,
        max_length: int = 255,
    ) -> str:
        value = parent.get(key)
        if value is None or value == "":
            if required:
                self.error(path, "is required")
            return ""
        if not isinstance(value, str):
            self.error(path, "must be a string")
            return ""
        value = value.strip()
        if required and not value:
            self.error(path, "is required")
        if len(value) > max_length:
            self.error(path, f"is longer than {max_length} characters")
        return value

    def amount(self, parent: Mapping, key: str, path: str, *, required: bool = True) -> int:
        value = parent.get(key)
        if value is None:
            if required:
                self.error(path, "is required")
            return 0
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            self.error(path, 'must be a decimal string such as "12.50"')
            return 0
        if self.currency is None:  # the currency error is already reported
            return 0
        try:
            return parse_amount(value, self.currency, locale=IMPORT_LOCALE)
        except MoneyError as exc:
            self.error(path, str(exc).rstrip("."))
            return 0

    def moment(
        self, parent: Mapping, key: str, path: str, *, required: bool = True
    ) -> datetime | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.error(path, "is required")
            return None
        try:
            parsed = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.error(path, "must be an ISO 8601 date and time such as 2026-11-01T10:00:00Z")
            return None
        if parsed.tzinfo is None:
            self.error(path, "needs a time zone, e.g. 2026-11-01T10:00:00Z")
            return None
        return parsed
