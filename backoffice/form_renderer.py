"""The form renderer (`FORM_RENDERER`): Django's, with the widgets every page draws most —
inputs, selects with their options, textareas — written in Python to exactly the markup of
Django's own widget templates.

Why: a grid's filter form draws a dozen widgets and some forty options, each a template render
(an include per option and per attribute list): about 2.7 ms of the order list's 15 ms
(bench/README.md). Any other widget template, and any project override, goes through Django's
templates as before. `tests/backoffice/test_form_renderer.py` compares both for every case.
"""

from collections.abc import Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from backoffice.html_text import escaped

WIDGETS = "django/forms/widgets/"
# Django's widget templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUT_TEMPLATES = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        *("input", "checkbox", "color", "date", "datetime", "email", "file", "hidden"),
        *("number", "password", "search", "tel", "text", "time", "url"),
    )
)
SELECT = f"{WIDGETS}select.html"
OPTION = f"{WIDGETS}select_option.html"
TEXTAREA = f"{WIDGETS}textarea.html"


class FastWidgetRenderer(DjangoTemplates):
    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> SafeString:
        widget = context.get("widget")
        if widget is not None and (html := self._python(template_name, widget)) is not None:
            return mark_safe(html)
        return mark_safe(super().render(template_name, context, request))

    def _python(self, template_name: str, widget: Mapping[str, Any]) -> str | None:
        if template_name in INPUT_TEMPLATES:
            return _input(widget)
        if template_name == SELECT:
            return self._select(widget)
        if template_name == TEXTAREA:
            return _textarea(widget)
        return None

    def _select(self, widget: Mapping[str, Any]) -> str:
        parts = [f'<select name="{escaped(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{escaped(group_name)}">')
            for option in group_choices:
                # The option template's own last newline comes with each include.
                parts.append(f"\n  {self._option(option)}\n")
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)

    def _option(self, option: Mapping[str, Any]) -> str:
        if option.get("template_name", OPTION) != OPTION:  # a custom option template
            return str(self.render(option["template_name"], {"widget": option}))
        value, attrs, label = option["value"], option["attrs"], option["label"]
        return f'<option value="{escaped(value)}"{_attrs(attrs)}>{escaped(label)}</option>'


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name."""
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = f' value="{escaped(value)}"' if value is not None else ""
    return (
        f'<input type="{escaped(widget["type"])}" name="{escaped(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{escaped(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{escaped(value) if value else ''}</textarea>"
    )
