"""`{% page_url 'orders:list' %}`: `{% url %}` for a URL without arguments (the menu's, the
breadcrumbs'), reversed once per process (per URLconf and script prefix) instead of on every
page: the shell drew a dozen of them per request at ~100 function calls each."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()


@lru_cache(maxsize=256)
def _reversed(urlconf: object, script_prefix: str, name: str) -> str:
    return reverse(name, urlconf=urlconf)  # type: ignore[arg-type]


@register.simple_tag
def page_url(name: str) -> str:
    """What `{% url name %}` writes (escaped the same way, by the tag's autoescape)."""
    return _reversed(get_urlconf(), get_script_prefix(), name)
