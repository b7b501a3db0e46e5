"""A gateway account's secrets from the environment, never from the database or the logs:
`<NAME>_<ACCOUNT CODE>` (the code is the store's code, upper case) or else `<NAME>`, the
default account's. Shared by the adapters' configuration modules (`stripe_config`,
`oppwa_config`)."""

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from payments.models import GatewayAccount


def account_code(account: "GatewayAccount | None") -> str:
    """The suffix of the account's environment variables ("" for the default account)."""
    if account is None:
        return ""
    return account.store.code.upper().replace("-", "_")


def account_env(name: str, account: "GatewayAccount | None") -> str:
    """The account's own `name`, else the default one ("" when neither is set)."""
    code = account_code(account)
    if code and os.environ.get(f"{name}_{code}"):
        return os.environ[f"{name}_{code}"]
    return os.environ.get(name, "")


def account_variable(name: str, account: "GatewayAccount | None") -> str:
    """The variable staff should set: the account's own, or the default."""
    code = account_code(account)
    return f"{name}_{code}" if code else name
