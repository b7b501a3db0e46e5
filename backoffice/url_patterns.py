"""A URL taking one argument, reversed once per name and script prefix rather than per use: a
grid's rows and the order page's buttons reversed theirs on every row, at ~100 function calls
each. The pattern has "{}" where the argument goes (`str.format`)."""

from collections.abc import Hashable
from functools import lru_cache

from django.urls import get_script_prefix, reverse


@lru_cache(maxsize=64)
def _pattern(name: str, kwarg: str, slot: Hashable, script_prefix: str) -> str:
    return reverse(name, kwargs={kwarg: slot}).replace(str(slot), "{}")


def url_pattern(name: str, kwarg: str, slot: Hashable = "SLOT") -> str:
    """`reverse(name, kwargs={kwarg: …})` with "{}" for the value: `slot` is any value the
    URL's converter accepts (a UUID for `<uuid:…>`) whose text appears nowhere else in it."""
    return _pattern(name, kwarg, slot, get_script_prefix())
