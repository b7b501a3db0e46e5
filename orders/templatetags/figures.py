"""`{% figure "total_due" %}`: a money figure's label with its one-line explanation.

The explanation is the figure's own (`payments.figures.FIGURES` for the order's figures,
`orders.document_figures` for an invoice's or a credit memo's): shown on hover (`title`) and,
for keyboard users, on focus (the `abbr` is focusable; app.css draws the same text).
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from orders.document_figures import DOCUMENT_FIGURES
from payments.figures import FIGURES, Figure

register = template.Library()


def _figure(key: str) -> Figure:
    found = FIGURES.get(key) or DOCUMENT_FIGURES.get(key)
    if found is None:
        raise template.TemplateSyntaxError(f"No money figure is called {key!r}.")
    return found


@register.simple_tag
def figure(key: str) -> SafeString:
    """The label, explained on hover and focus: `<abbr title="…">Total Due</abbr>`."""
    found = _figure(key)
    return format_html(
        '<abbr class="figure" title="{}" tabindex="0">{}</abbr>',
        found.help,
        found.label,
    )


@register.simple_tag
def figure_help(key: str) -> str:
    """The explanation alone, for a `title` (a sortable column's header link)."""
    return _figure(key).help
