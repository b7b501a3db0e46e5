"""Forms of the invoice screens: validation only; the services re-check under the order lock."""

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from backoffice.availability import Availability
from backoffice.errors import ErrorCode
from backoffice.money import MoneyError, format_amount, format_money, parse_amount
from orders.enums import CaptureMode
from orders.invoice_totals import InvoiceTotals, invoice_total_refusal, invoice_totals
from orders.models import Invoice, Order, OrderItem
from orders.order_amounts import mark_as_paid_invoice, mark_as_paid_limit

NO_ITEMS = "Enter a quantity for at least one item."
STALE = (
    "This order changed since you opened this page (another invoice, capture or edit). "
    "The quantities and totals below are up to date: check them and submit again."
)
CAPTURE_CHOICES = [
    (CaptureMode.ONLINE, "Capture Online"),
    (CaptureMode.OFFLINE, "Capture Offline"),
    (CaptureMode.NOT_CAPTURE, "Not Capture"),
]
# Capturing an open invoice: the same, less Not Capture.
CAPTURE_NOW_CHOICES = [c for c in CAPTURE_CHOICES if c[0] != CaptureMode.NOT_CAPTURE]

# Given the invoice total, what each Amount choice allows (the operations registry answers).
CaptureOptions = Callable[[int], Mapping[str, Availability]]


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class _KeyedForm(forms.Form):
    """A form that carries the order version it was rendered for and a one-time key.

    The key's hidden input has no id: the order page draws one such form per action. A form
    that shares a page with another one names its fields' ids after itself (`auto_id`)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput(attrs={"id": False}), max_length=64, min_length=16
    )
    auto_id = "id_%s"

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        self.order = order
        kwargs.setdefault(
            "initial", {"version": order.version, "idempotency_key": new_idempotency_key()}
        )
        kwargs.setdefault("auto_id", type(self).auto_id)
        super().__init__(*args, **kwargs)

    def _errors_with_code(self, *codes: str) -> list[str]:
        return [
            message
            for error in self.non_field_errors().as_data()
            if error.code in codes
            for message in error.messages
        ]

    # Codes of the non-field errors a section of the page shows in place.
    in_place_codes: frozenset[str] = frozenset({ErrorCode.STALE})

    @property
    def stale_errors(self) -> list[str]:
        return self._errors_with_code(ErrorCode.STALE)

    @property
    def other_errors(self) -> list[str]:
        """Non-field errors that no section of the page shows in place."""
        return [
            message
            for error in self.non_field_errors().as_data()
            if error.code not in self.in_place_codes
            for message in error.messages
        ]

    def mark_stale(self) -> None:
        self.add_error(None, ValidationError(STALE, code=ErrorCode.STALE))


class InvoiceNewForm(_KeyedForm):
    """New Invoice: a quantity per item, the Amount choice, a comment, Email Copy."""

    # No quantity entered: under the items; a total not more than zero: in the totals.
    in_place_codes = frozenset({ErrorCode.STALE, ErrorCode.NO_ITEMS, ErrorCode.INVALID_AMOUNT})

    capture_mode = forms.ChoiceField(
        label="Amount", choices=CAPTURE_CHOICES, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="Invoice Comments",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    email_copy = forms.BooleanField(label="Email Copy of Invoice", required=False)

    def __init__(
        self,
        *args: object,
        order: Order,
        items: Iterable[OrderItem],
        include_shipping: bool,
        capture_options: CaptureOptions,
        online_plan: Callable[[int], list[str]] | None = None,
        email_copy: Availability | None = None,
        prepaid: Callable[[int], int] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.online_plan = online_plan
        # Money already captured on the order without an invoice pays a new invoice first.
        self.prepaid = prepaid or (lambda _total: 0)
        # Emailing the customer needs the Notify the customer permission, as comments do.
        self.email_copy_refusal = "" if email_copy is None else email_copy.reason
        if self.email_copy_refusal:
            self.fields["email_copy"].disabled = True
        self.items = list(items)
        self.include_shipping = include_shipping
        self.capture_options = capture_options
        for item in self.items:
            left = item.qty_to_invoice
            self.fields[self.qty_field_name(item)] = forms.IntegerField(
                label=f"Qty to Invoice for {item.sku}",
                min_value=0,
                max_value=left,
                initial=left,
                required=False,
                disabled=left == 0,
                widget=forms.NumberInput(attrs={"min": 0, "max": left, "class": "qty-input"}),
                error_messages={
                    "max_value": f"Only {left} left to invoice."
                    if left
                    else "Nothing left to invoice.",
                    "min_value": "The quantity cannot be negative.",
                    "invalid": "Enter a whole number.",
                },
            )
        if not self.is_bound:
            self.initial.setdefault("capture_mode", self._default_mode())

    @staticmethod
    def qty_field_name(item: OrderItem) -> str:
        return f"qty_{item.pk}"

    def _default_mode(self) -> str:
        options = self.capture_options(self.totals.grand_total)
        for mode, _label in CAPTURE_CHOICES:
            if options[mode].allowed:
                return mode
        return CaptureMode.NOT_CAPTURE

    # What the page shows while the staff member types: valid quantities only, so the totals
    # never include a number that is about to be rejected.
    def quantities(self) -> dict[int, int]:
        result: dict[int, int] = {}
        for item in self.items:
            name = self.qty_field_name(item)
            if self.is_bound:
                raw = self.data.get(self.add_prefix(name), "")
                try:
                    qty = int(str(raw).strip() or 0)
                except ValueError:
                    qty = 0
            else:
                qty = self.fields[name].initial or 0
            if 0 < qty <= item.qty_to_invoice:
                result[item.pk] = qty
        return result

    @property
    def totals(self) -> InvoiceTotals:
        if not hasattr(self, "_totals"):
            self._totals = invoice_totals(
                order=self.order,
                items=self.items,
                quantities=self.quantities(),
                include_shipping=self.include_shipping,
            )
        return self._totals

    @property
    def to_capture(self) -> int:
        """What the Amount choice captures: the total less the money already captured."""
        total = self.totals.grand_total
        return total - self.prepaid(total)

    def prepaid_note(self) -> str:
        """Said before submitting, so nobody is surprised the capture is smaller."""
        total = self.totals.grand_total
        prepaid = self.prepaid(total)
        if prepaid <= 0:
            return ""
        currency = self.order.currency
        head = f"{format_money(prepaid, currency)} already captured on this order will pay "
        head += "this invoice"
        if prepaid >= total:
            return f"{head} in full: Capture Online and Capture Offline capture nothing more."
        return (
            f"{head}; the Amount choice applies to the remaining "
            f"{format_money(total - prepaid, currency)}."
        )

    def capture_choices(self) -> list[dict]:
        """Each Amount choice with whether it can be picked and, if not, why."""
        options = self.capture_options(self.totals.grand_total)
        selected = self["capture_mode"].value()
        if selected not in options or not options[selected].allowed:
            selected = self._default_mode()
        return [
            {
                "value": str(mode),
                "label": label,
                "allowed": options[mode].allowed,
                "reason": options[mode].reason,
                "checked": str(mode) == str(selected) and options[mode].allowed,
                "id": f"id_capture_mode_{mode}",
                "plan": self.online_plan(self.totals.grand_total)
                if mode == CaptureMode.ONLINE and options[mode].allowed and self.online_plan
                else [],
            }
            for mode, label in CAPTURE_CHOICES
        ]

    def item_rows(self) -> list[dict]:
        lines = {line.order_item.pk: line for line in self.totals.lines}
        return [
            {"item": item, "field": self[self.qty_field_name(item)], "line": lines.get(item.pk)}
            for item in self.items
        ]

    @property
    def items_errors(self) -> list[str]:
        return self._errors_with_code(ErrorCode.NO_ITEMS)

    @property
    def totals_errors(self) -> list[str]:
        return self._errors_with_code(ErrorCode.INVALID_AMOUNT)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what `Form.clean` returns
        quantities = {item.pk: cleaned.get(self.qty_field_name(item)) or 0 for item in self.items}
        if any(self.has_error(self.qty_field_name(item)) for item in self.items):
            return cleaned
        if not any(quantities.values()):
            raise ValidationError(NO_ITEMS, code=ErrorCode.NO_ITEMS)
        if refusal := invoice_total_refusal(order=self.order, totals=self.totals):
            raise ValidationError(refusal, code=ErrorCode.INVALID_AMOUNT)
        mode = cleaned.get("capture_mode")
        if mode:
            option = self.capture_options(self.totals.grand_total)[mode]
            if not option.allowed:
                self.add_error("capture_mode", option.reason)
        cleaned["quantities"] = {pk: qty for pk, qty in quantities.items() if qty > 0}
        return cleaned


class InvoiceCaptureForm(_KeyedForm):
    """Capture an open invoice: Capture Online or Capture Offline for what it still owes."""

    capture_mode = forms.ChoiceField(
        label="Amount",
        choices=CAPTURE_NOW_CHOICES,
        widget=forms.RadioSelect,
    )

    def __init__(
        self, *args: object, order: Order, capture_options: Mapping[str, Availability], **kwargs
    ) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.capture_options = capture_options

    def choices(self) -> list[dict]:
        """Capture Online and Capture Offline, each with whether it can be picked and why not."""
        modes = [mode for mode, _label in CAPTURE_NOW_CHOICES]
        allowed = [mode for mode in modes if self.capture_options[mode].allowed]
        selected = self["capture_mode"].value()
        if selected not in allowed:
            selected = allowed[0] if allowed else None
        return [
            {
                "value": str(mode),
                "label": label,
                "allowed": self.capture_options[mode].allowed,
                "reason": self.capture_options[mode].reason,
                "checked": mode == selected,
                "id": f"id_capture_{mode}",
            }
            for mode, label in CAPTURE_NOW_CHOICES
        ]

    def clean_capture_mode(self) -> str:
        mode = self.cleaned_data["capture_mode"]
        option = self.capture_options[mode]
        if not option.allowed:
            raise ValidationError(option.reason)
        return mode


class MarkAsPaidForm(_KeyedForm):
    """Mark as paid: the amount (prefilled with what is due), a Transaction ID and a note."""

    auto_id = "mark-as-paid-%s"  # drawn on the order page, next to the Refund dialog's form

    amount = forms.CharField(label="Amount", max_length=32)
    merchant_reference = forms.CharField(
        label="Transaction ID",
        max_length=120,
        required=False,
        help_text="The bank transfer or receipt reference, to find this payment later.",
    )
    memo = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: object,
        order: Order,
        limit: int,
        locale: str,
        invoice: Invoice | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.limit, self.invoice, self.locale = limit, invoice, locale
        if not self.is_bound:
            self.initial["amount"] = format_amount(max(limit, 0), order.currency, locale=locale)

    def clean_amount(self) -> int:
        currency = self.order.currency
        try:
            amount = parse_amount(self.cleaned_data["amount"], currency, locale=self.locale)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc
        if amount <= 0:
            raise ValidationError("Enter an amount greater than zero.")
        if amount > self.limit:
            most = format_money(max(self.limit, 0), currency)
            what = f"invoice #{self.invoice.number}" if self.invoice else "the order"
            raise ValidationError(f"At most {most} is outstanding on {what}.")
        return amount

    def clean_merchant_reference(self) -> str:
        return self.cleaned_data["merchant_reference"].strip()


def mark_as_paid_form(*, order: Order, locale: str, data: object = None) -> MarkAsPaidForm:
    """The form for the order as it is: applied to its first open invoice when it has one;
    the amount is typed in `locale` (`backoffice.models.amount_locale`)."""
    invoice = mark_as_paid_invoice(order)
    limit = mark_as_paid_limit(order, invoice)
    return MarkAsPaidForm(data, order=order, limit=limit, locale=locale, invoice=invoice)


class ConfirmForm(_KeyedForm):
    """Void, Cancel, Hold, Unhold, Cancel invoice: just the version and the one-time key."""
