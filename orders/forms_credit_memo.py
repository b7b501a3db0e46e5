"""Forms of the credit memo screens: validation only; the service re-checks under the lock."""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from backoffice.errors import ErrorCode
from backoffice.money import MoneyError, format_amount, format_money, parse_amount
from orders.credit_memo_selectors import source_for
from orders.credit_memo_totals import (
    MemoSource,
    MemoTotals,
    RefundableItem,
    memo_totals,
    qty_error,
    shipping_error,
    total_error,
)
from orders.forms_invoice import _KeyedForm
from orders.models import Order
from orders.refund_modes import RefundChoice, refund_choices
from payments.reason_codes import ReasonApplies
from payments.reason_fields import REASON_FIELD, reason_field

AMOUNT_FIELDS = ("shipping_amount", "adjustment_refund", "adjustment_fee")
# Errors shown in the totals section rather than at the top of the page: a total not more than
# zero or over the refund limit, and a refund button not available for it.
TOTALS_CODES = frozenset(
    {ErrorCode.INVALID_AMOUNT, ErrorCode.AMOUNT_EXCEEDS, ErrorCode.NOT_AVAILABLE}
)

# Given the memo total, the refund buttons (the operations registry answers).
RefundChoices = Callable[[int], Sequence[RefundChoice]]


def _amount_field(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=32,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "memo-input memo-amount"}),
    )


# The mixin is only ever mixed into forms: the checker sees it as one, Python as a plain class
# (a second `forms.Form` base would change nothing at run time but the MRO's length).
if TYPE_CHECKING:
    _MixedIntoForm = forms.Form
else:
    _MixedIntoForm = object


class _AmountsMixin(_MixedIntoForm):
    """Typed amounts in the order currency: exact minor units or a message next to the field."""

    order_currency: str
    locale: str  # how amounts are typed (backoffice.models.amount_locale)

    def _parse(self, raw: object) -> int:
        return parse_amount(str(raw or "").strip() or "0", self.order_currency, locale=self.locale)

    def _clean_amount(self, name: str) -> int:
        try:
            return self._parse(self.cleaned_data.get(name))
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc

    def typed_amount(self, name: str, initial: int = 0) -> int:
        """For live totals: the amount as typed when valid, else 0 (never a rejected number)."""
        if not self.is_bound:
            return initial
        try:
            return max(self._parse(self.data.get(self.add_prefix(name))), 0)
        except MoneyError:
            return 0


class CreditMemoForm(_AmountsMixin, _KeyedForm):
    """New Credit Memo: Qty to Refund and Return to Stock per item, Refund Shipping, Adjustment
    Refund, Adjustment Fee, Reason (the store's reason codes, required), comment, Append
    Comments, Email Copy."""

    shipping_amount = _amount_field("Refund Shipping")
    adjustment_refund = _amount_field(
        "Adjustment Refund", "Added to the refund (a goodwill gesture, a price match)."
    )
    adjustment_fee = _amount_field(
        "Adjustment Fee", "Kept back from the refund (a restocking fee, return shipping)."
    )
    comment = forms.CharField(
        label="Comment Text",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    append_comment = forms.BooleanField(label="Append Comments", required=False)
    email_copy = forms.BooleanField(label="Email Copy", required=False)

    def __init__(
        self,
        *args: object,
        source: MemoSource,
        choices: RefundChoices,
        locale: str,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, order=source.order, **kwargs)
        self.source, self.choices = source, choices
        self.order_currency, self.locale = source.currency, locale
        self.fields[REASON_FIELD] = _reason(source)
        for item in source.items:
            self.fields[self.qty_name(item)] = self._qty_field(item)
            self.fields[self.stock_name(item)] = forms.BooleanField(
                label=f"Return {item.order_item.sku} to Stock", required=False
            )
        if not self.is_bound:
            self.initial["shipping_amount"] = format_amount(
                source.shipping_left, source.currency, locale=locale
            )

    @staticmethod
    def qty_name(item: RefundableItem) -> str:
        return f"qty_{item.order_item.pk}"

    @staticmethod
    def stock_name(item: RefundableItem) -> str:
        return f"back_to_stock_{item.order_item.pk}"

    @staticmethod
    def _qty_field(item: RefundableItem) -> forms.IntegerField:
        left = item.qty_left
        return forms.IntegerField(
            label=f"Qty to Refund for {item.order_item.sku}",
            min_value=0,
            max_value=left,
            initial=left,
            required=False,
            disabled=left == 0,
            widget=forms.NumberInput(
                attrs={"min": 0, "max": left, "class": "memo-input qty-input"}
            ),
            error_messages={
                "max_value": f"Only {left} left to refund." if left else "Nothing left to refund.",
                "min_value": "The quantity cannot be negative.",
                "invalid": "Enter a whole number.",
            },
        )

    # ---- live values (what the page shows while the staff member types) --------------------

    def quantities(self) -> dict[int, int]:
        result: dict[int, int] = {}
        for item in self.source.items:
            name = self.qty_name(item)
            if self.is_bound:
                try:
                    qty = int(str(self.data.get(self.add_prefix(name), "")).strip() or 0)
                except ValueError:
                    qty = 0
            else:
                qty = self.fields[name].initial or 0
            if qty and qty_error(item, qty) is None:
                result[item.order_item.pk] = qty
        return result

    def back_to_stock(self) -> set[int]:
        return {
            item.order_item.pk
            for item in self.source.items
            if self.is_bound and self.data.get(self.add_prefix(self.stock_name(item)))
        }

    @property
    def totals(self) -> MemoTotals:
        if not hasattr(self, "_totals"):
            shipping = self.typed_amount("shipping_amount", self.source.shipping_left)
            self._totals = memo_totals(
                self.source,
                quantities=self.quantities(),
                back_to_stock=self.back_to_stock(),
                shipping_amount=shipping if shipping_error(self.source, shipping) is None else 0,
                adjustment_refund=self.typed_amount("adjustment_refund"),
                adjustment_fee=self.typed_amount("adjustment_fee"),
            )
        return self._totals

    def refund_choices(self) -> Sequence[RefundChoice]:
        """The buttons for the total as typed (or for all that is left while it is not valid)."""
        if not hasattr(self, "_choices"):
            total = self.totals.grand_total
            if total <= 0 or total > self.source.limit.available:
                total = self.source.limit.available
            self._choices = self.choices(total)
        return self._choices

    @property
    def total_problem(self) -> str:
        """Why no button may be pressed yet ("" when the total as typed can be refunded)."""
        field_names = [self.qty_name(i) for i in self.source.items] + list(AMOUNT_FIELDS)
        if self.is_bound and any(self.has_error(name) for name in field_names):
            return "Correct the amounts marked in red first."
        problem = total_error(self.source, self.totals)
        return problem[1] if problem else ""

    def choice(self, mode: str) -> RefundChoice:
        return next(c for c in self.refund_choices() if c.mode == mode)

    def item_rows(self) -> list[dict]:
        lines = {line.order_item.pk: line for line in self.totals.lines}
        return [
            {
                "item": item,
                "field": self[self.qty_name(item)],
                "stock": self[self.stock_name(item)],
                "line": lines.get(item.order_item.pk),
            }
            for item in self.source.items
        ]

    @property
    def totals_errors(self) -> list[str]:
        return self._errors_with_code(*TOTALS_CODES)

    @property
    def other_errors(self) -> list[str]:
        return [
            message
            for error in self.non_field_errors().as_data()
            if error.code not in TOTALS_CODES | {ErrorCode.STALE}
            for message in error.messages
        ]

    # ---- validation ------------------------------------------------------------------------

    def clean_shipping_amount(self) -> int:
        amount = self._clean_amount("shipping_amount")
        if error := shipping_error(self.source, amount):
            raise ValidationError(error)
        return amount

    def clean_adjustment_refund(self) -> int:
        return self._clean_amount("adjustment_refund")

    def clean_adjustment_fee(self) -> int:
        return self._clean_amount("adjustment_fee")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what `Form.clean` returns
        names = [self.qty_name(i) for i in self.source.items] + list(AMOUNT_FIELDS)
        if any(self.has_error(name) for name in names):
            return cleaned
        cleaned["quantities"] = {
            item.order_item.pk: cleaned.get(self.qty_name(item)) or 0
            for item in self.source.items
            if cleaned.get(self.qty_name(item))
        }
        cleaned["back_to_stock"] = {
            item.order_item.pk
            for item in self.source.items
            if cleaned.get(self.stock_name(item)) and cleaned["quantities"].get(item.order_item.pk)
        }
        if problem := total_error(self.source, self.totals):
            code, message = problem
            raise ValidationError(message, code=code)
        return cleaned

    def check_mode(self, mode: str) -> bool:
        """The button pressed must be available for this total; else say why, in place."""
        choice = self.choice(mode)
        if not choice.allowed:
            reason = choice.availability.reason
            self.add_error(None, ValidationError(reason, code=ErrorCode.NOT_AVAILABLE))
        return choice.allowed

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "quantities": data["quantities"],
            "back_to_stock": data["back_to_stock"],
            "shipping_amount": data["shipping_amount"],
            "adjustment_refund": data["adjustment_refund"],
            "adjustment_fee": data["adjustment_fee"],
            "comment": data["comment"],
            "append_comment": data["append_comment"],
            "email_copy": data["email_copy"],
            "expected_version": data["version"],
            "idempotency_key": data["idempotency_key"],
            "reason": data[REASON_FIELD],
        }


def _reason(source: MemoSource) -> forms.ModelChoiceField:
    return reason_field(store_id=source.order.store_id, kind=ReasonApplies.REFUNDS)


class GoodwillRefundForm(_AmountsMixin, _KeyedForm):
    """Medusa's Refund: an amount (≤ what is refundable) and a note; no items."""

    auto_id = "goodwill-%s"  # opened on the order page, next to the Mark as paid dialog's form

    amount = forms.CharField(label="Amount", max_length=32)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the customer gets this money back; kept with the refund.",
    )
    email_copy = forms.BooleanField(label="Email Copy", required=False)

    def __init__(
        self,
        *args: object,
        source: MemoSource,
        locale: str,
        choices: Sequence[RefundChoice] = (),
        **kwargs: object,
    ) -> None:
        super().__init__(*args, order=source.order, **kwargs)
        self.source, self.order_currency, self.locale = source, source.currency, locale
        self.fields[REASON_FIELD] = _reason(source)
        self.order_fields(["amount", REASON_FIELD])
        # Refund and Refund Offline for what is refundable: each button says if it can be used.
        self.choices = {choice.mode: choice for choice in choices}

    @property
    def limit_text(self) -> str:
        return format_money(self.source.limit.available, self.source.currency)

    def clean_amount(self) -> int:
        amount = self._clean_amount("amount")
        if amount <= 0:
            raise ValidationError("Enter an amount greater than zero.")
        if amount > self.source.limit.available:
            raise ValidationError(self.source.limit.exceeded_message())
        return amount


def goodwill_refund_form(
    *, order: Order, user: User, locale: str, data: object = None
) -> GoodwillRefundForm:
    """The Refund form for the order as it is (prefetched: see `order_for_refund`); the amount
    is typed in `locale` (`backoffice.models.amount_locale`)."""
    source = source_for(order, None)
    choices = refund_choices(
        user=user, order=order, invoice=None, amount=max(source.limit.available, 1)
    )
    return GoodwillRefundForm(data, source=source, locale=locale, choices=choices)
