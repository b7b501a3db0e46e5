"""An order's URLs (`orders:<name>` taking the order's number), each reversed once per name and
script prefix rather than per use: the grid's rows and the order page's ten buttons reversed
theirs on every page, at ~100 function calls each. Order numbers are letters, digits, "-" and
"_" (`orders.models.Order`): nothing to quote."""

from functools import lru_cache

from django.urls import get_script_prefix, reverse


@lru_cache(maxsize=64)
def _pattern(name: str, script_prefix: str) -> str:
    return reverse(name, kwargs={"number": "NUMBER"}).replace("NUMBER", "{}")


def order_url(name: str, number: str) -> str:
    """What `reverse(name, kwargs={"number": number})` gives."""
    return _pattern(name, get_script_prefix()).format(number)
