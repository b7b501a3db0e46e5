"""Transaction Details: summary, order and customer, related transactions, gateway data."""

import json
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from backoffice.decorators import staff_required
from backoffice.http import StaffRequest
from payments import selectors
from payments.models import Transaction
from payments.views.operations import operation_buttons


def pretty_json(value: Any) -> str:
    if value in (None, {}, []):
        return ""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def detail_context(*, user: User, transaction: Transaction) -> dict[str, Any]:
    return {
        "transaction": transaction,
        "tree": selectors.transaction_tree(transaction=transaction),
        "operations": operation_buttons(user=user, transaction=transaction),
        "gateway_request": pretty_json(transaction.gateway_request),
        "gateway_response": pretty_json(transaction.gateway_response),
    }


@staff_required
@require_safe
def transaction_detail(request: StaffRequest, uuid: str) -> HttpResponse:
    transaction = selectors.transaction_get(user=request.user, uuid=uuid)
    context = detail_context(user=request.user, transaction=transaction)
    return render(request, "payments/transaction_detail.html", context)
