"""`{% grid_filter_fields form skip="q" %}`: a grid's filter fields, each in its compact field
box (label, widget, errors), written in one pass in Python. The template loop it replaces drew
five tags per field, a tenth of the order list's time; the markup is the same."""

from django import forms, template
from django.utils.safestring import SafeString, mark_safe

from backoffice.html_text import escaped

register = template.Library()


@register.simple_tag
def grid_filter_fields(form: forms.Form, skip: str = "") -> SafeString:
    return mark_safe("".join(_field(field) for field in form if field.name != skip))


def _field(field: forms.BoundField) -> str:
    errors = field.errors
    css = "field field--compact has-error" if errors else "field field--compact"
    messages = "".join(f'<p class="field__error">{escaped(error)}</p>' for error in errors)
    return (
        f'\n    <div class="{css}">'
        f'\n      <label for="{escaped(field.id_for_label)}">{escaped(field.label)}</label>'
        f"\n      {field}"
        f"\n      {messages}"
        "\n    </div>\n    "
    )
