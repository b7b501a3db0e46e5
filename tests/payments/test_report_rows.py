"""The money report's rows written in Python (`payments.report_rows`) are the template loop's
markup: days, stores whose names need escaping, several currencies, negative nets, and the
user's chosen amount locale."""

import re
from datetime import date

import pytest
from django.template import Context, Template

from backoffice.display import displaying
from backoffice.models import Store
from payments.report_rows import report_rows_html
from payments.reports import Amounts, DayRow

LOOP = Template(
    """{% load money %}{% for row in rows %}
        <tr data-day="{{ row.day|date:'Y-m-d' }}" data-store="{{ row.store.code }}" data-currency="{{ row.currency }}">
          <td class="nowrap">{{ row.day|date:"D j M Y" }}</td>
          <td><span class="store-tag" title="{{ row.store.name }} ({{ row.store.timezone }})">{{ row.store.code|upper }}</span></td>
          <td>{{ row.currency }}</td>
          <td class="num" data-figure="captured">{{ row.amounts.captured|money:row.currency }}</td>
          <td class="num" data-figure="refunded">{{ row.amounts.refunded|money:row.currency }}</td>
          <td class="num" data-figure="charged_back">{{ row.amounts.charged_back|money:row.currency }}</td>
          <td class="num" data-figure="net">{{ row.amounts.net|money:row.currency }}</td>
        </tr>
        {% endfor %}"""  # noqa: E501
)


def squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def rows() -> list[DayRow]:
    eu = Store(pk=1, code="eu", name='Müller & "Söhne" <EU>', timezone="Europe/Berlin")
    jp = Store(pk=2, code="jp", name="Tokyo", timezone="Asia/Tokyo")
    return [
        DayRow(date(2026, 11, 10), eu, "EUR", Amounts(123456, 2000, 500)),
        DayRow(date(2026, 11, 10), eu, "USD", Amounts(99, 0, 0)),
        DayRow(date(2026, 11, 10), jp, "JPY", Amounts(0, 7000, 0)),  # a negative net
        DayRow(date(2026, 11, 9), jp, "JPY", Amounts(5000, 0, 1200)),
        DayRow(date(2026, 2, 28), eu, "EUR", Amounts(0, 0, -300)),  # a reversal outweighs
    ]


@pytest.mark.parametrize("locale", ["", "de_DE", "ja_JP"])
def test_the_rows_are_the_template_loops_markup(locale):
    with displaying(locale=locale):
        loop = LOOP.render(Context({"rows": rows()}))
        written = report_rows_html(rows())

    assert squeezed(written) == squeezed(loop)
    assert written.count("<tr ") == 5 and "&lt;EU&gt;" in written and "&quot;" in written
