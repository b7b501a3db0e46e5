"""A grid's filter form as HTML (`backoffice.filter_form_html`): what the template loop it
replaced wrote, drawn once per form and values, drawn again when the user's words differ."""

import re

import pytest
from django.http import QueryDict
from django.template import Context, Template

from backoffice.filter_form_html import filter_fields_html
from orders.filters import OrderFilter
from orders.models import Order
from payments.filters import TransactionFilter
from payments.models import Transaction
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

LOOP = Template(
    """{% for field in form %}{% if field.name != "q" %}
    <div class="field field--compact{% if field.errors %} has-error{% endif %}">
      <label for="{{ field.id_for_label }}">{{ field.label }}</label>
      {{ field }}
      {% for error in field.errors %}<p class="field__error">{{ error }}</p>{% endfor %}
    </div>
    {% endif %}{% endfor %}"""
)


def same_markup(form) -> tuple[str, str]:
    def squeeze(html: str) -> str:
        return re.sub(r">\s+<", "><", html).strip()

    return squeeze(LOOP.render(Context({"form": form}))), squeeze(
        filter_fields_html(form, skip="q")
    )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "state=processing&store=us&customer=Ann+%3CLee%3E&total_min=12.50",
        "placed_from=not-a-date&total_min=1,2,3&store=nowhere&state=bogus",
    ],
)
def test_the_order_filter_fields_are_the_loops_markup(admin_user, query):
    StoreFactory(code="us", name='Shop "US" & Co')
    filterset = OrderFilter(QueryDict(query), queryset=Order.objects.all(), user=admin_user)
    filterset.form.is_valid()
    loop, tag = same_markup(filterset.form)
    assert tag == loop
    if "bogus" in query:
        assert tag.count("has-error") >= 3 and "field__error" in tag


def test_the_transaction_filter_fields_are_the_loops_markup(admin_user):
    store = StoreFactory(code="eu")
    filterset = TransactionFilter(
        QueryDict("type=XX&created_from=nope"),
        queryset=Transaction.objects.all(),
        user=admin_user,
        stores=[store],
    )
    filterset.form.is_valid()
    loop, tag = same_markup(filterset.form)
    assert tag == loop and "has-error" in tag
