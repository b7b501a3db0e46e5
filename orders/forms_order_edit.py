"""The Edit page's form: validation only; `orders.services.order_edit` re-checks under the lock.

One quantity and a Remove box per line, one new line (SKU, name, quantity, price, tax,
discount), the shipping amount, and the required reason. Amounts are read with the one parser
(`backoffice.money.parse_amount`) in the user's or the store's locale; the plan
(`orders.order_edit_plan`) then puts each refusal next to its field.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from backoffice.errors import DomainError, form_error
from backoffice.money import MoneyError, format_amount, parse_amount
from orders.forms_invoice import _KeyedForm
from orders.models import Order, OrderItem
from orders.order_edit_plan import MAX_QTY, EditChanges, EditPlan, NewLine, edit_plan

NEW_LINE_FIELDS = ("new_sku", "new_name", "new_qty", "new_price", "new_tax", "new_discount")


class OrderEditForm(_KeyedForm):
    amount_names = ("new_price", "new_tax", "new_discount")

    new_sku = forms.CharField(label="SKU", max_length=64, required=False)
    new_name = forms.CharField(label="Name", max_length=255, required=False)
    new_qty = forms.IntegerField(label="Qty", min_value=1, max_value=MAX_QTY, required=False)
    new_price = forms.CharField(label="Price", max_length=32, required=False)
    new_tax = forms.CharField(label="Tax", max_length=32, required=False)
    new_discount = forms.CharField(label="Discount", max_length=32, required=False)
    shipping = forms.CharField(label="Shipping & Handling", max_length=32)
    reason = forms.CharField(
        label="Reason for the edit",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the edit and written to Comments History.",
    )

    def __init__(
        self,
        *args: Any,
        order: Order,
        items: list[OrderItem],
        locale: str,
        shipping_invoiced: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, order=order, **kwargs)
        self.items, self.locale, self.shipping_invoiced = items, locale, shipping_invoiced
        self.plan: EditPlan | None = None
        self.initial.setdefault(
            "shipping", format_amount(order.shipping_amount, order.currency, locale=locale)
        )
        self.fields["shipping"].disabled = shipping_invoiced
        for item in items:
            low = max(item.qty_invoiced, 1)
            self.fields[f"qty_{item.pk}"] = forms.IntegerField(
                label=f"Qty for {item.sku}",
                min_value=low,
                max_value=MAX_QTY,
                initial=item.qty_ordered,
                widget=forms.NumberInput(attrs={"min": low, "class": "qty-input"}),
            )
            self.fields[f"remove_{item.pk}"] = forms.BooleanField(
                label=f"Remove {item.sku}", required=False, disabled=item.qty_invoiced > 0
            )

    def rows(self) -> list[dict[str, Any]]:
        """Each line with its fields, for the template."""
        return [
            {"item": item, "qty": self[f"qty_{item.pk}"], "remove": self[f"remove_{item.pk}"]}
            for item in self.items
        ]

    def shown_plan(self) -> EditPlan | None:
        """The totals the page shows: the plan of the changes typed; the order as it is on a
        fresh page; None when a field is wrong."""
        if self.is_bound:
            return self.plan
        return edit_plan(
            order=self.order,
            items=self.items,
            shipping_invoiced=self.shipping_invoiced,
            changes=EditChanges(),
        )

    def new_line_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in NEW_LINE_FIELDS]

    def _amount(self, name: str, *, required: bool = False) -> int | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            if required:
                self.add_error(name, "Enter an amount.")
            return None
        try:
            amount = parse_amount(text, self.order.currency, locale=self.locale)
        except MoneyError as exc:
            self.add_error(name, str(exc))
            return None
        if amount < 0:
            self.add_error(name, "Enter an amount of zero or more.")
            return None
        return amount

    def _new_line(self) -> tuple[NewLine, ...]:
        data = self.cleaned_data
        if not any(data.get(name) for name in NEW_LINE_FIELDS):
            return ()
        for name, label in (("new_sku", "a SKU"), ("new_name", "a name"), ("new_qty", "a qty")):
            if not data.get(name):
                self.add_error(name, f"Enter {label} for the new line.")
        price = self._amount("new_price", required=True)
        tax, discount = self._amount("new_tax") or 0, self._amount("new_discount") or 0
        if self._input_errors() or price is None:
            return ()
        return (NewLine(data["new_sku"], data["new_name"], data["new_qty"], price, tax, discount),)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        quantities = {item.pk: data.get(f"qty_{item.pk}") for item in self.items}
        removed = frozenset(item.pk for item in self.items if data.get(f"remove_{item.pk}"))
        added = self._new_line()
        shipping = None if self.shipping_invoiced else self._amount("shipping", required=True)
        if self._input_errors():
            return data
        changes = EditChanges(
            quantities={pk: qty for pk, qty in quantities.items() if qty is not None},
            removed=removed,
            added=added,
            shipping=shipping,
        )
        try:
            self.plan = edit_plan(
                order=self.order,
                items=self.items,
                shipping_invoiced=self.shipping_invoiced,
                changes=changes,
            )
        except DomainError as exc:
            form_error(self, exc)
            return data
        data["changes"] = changes
        return data

    def _input_errors(self) -> bool:
        """Errors of the changes typed (the reason is asked for saving only: the live totals
        show without it)."""
        return any(name != "reason" for name in self.errors)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Say why the order is edited.")
        return reason
