"""Operation buttons and dialogs of Transaction Details (filled in once the registry lands)."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from payments.models import Transaction


def operation_buttons(*, user: AbstractBaseUser, transaction: Transaction) -> list[Any]:
    return []
