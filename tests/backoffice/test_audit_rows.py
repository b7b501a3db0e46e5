"""The audit stream's rows written in Python (`backoffice.audit.rows`) are the template loop's
markup, for every kind of event a page shows."""

import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from backoffice.audit.forms import TYPE_LABELS
from backoffice.audit.models import AuditEvent
from backoffice.audit.rows import audit_rows_html

pytestmark = pytest.mark.django_db

LOOP = Template(
    """{% for event in events %}
        <tr>
          <td class="nowrap">{{ event.occurred_at|date:"Y-m-d H:i:s T" }}</td>
          <td>{{ event.type_label }}</td>
          <td><span class="badge {% if event.outcome == 'success' %}badge--green{% elif event.outcome == 'denied' %}badge--orange{% else %}badge--red{% endif %}">{{ event.get_outcome_display }}</span></td>
          <td>{{ event.user_label|default:"—" }}</td>
          <td>{{ event.store_code|upper|default:"—" }}</td>
          <td>{% if event.order_number %}<a href="{% url 'orders:detail' event.order_number %}">#{{ event.order_number }}</a>{% else %}—{% endif %}</td>
          <td><div class="cell-stack"><span>{{ event.message|default:event.object_label }}</span>{% if event.path %}<span class="muted small mono">{{ event.path }}</span>{% endif %}</div></td>
          <td class="muted small"><span class="mono">{{ event.ip|default:"—" }}</span>{% if event.user_agent %}<br><span title="{{ event.user_agent }}">{{ event.user_agent|truncatechars:32 }}</span>{% endif %}</td>
        </tr>
        {% endfor %}"""  # noqa: E501
)


def squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_the_rows_are_the_template_loops_markup(zone):
    AuditEvent.objects.create(
        type="money_operation",
        user_label="anna <finance>",
        store_code="eu",
        order_number="100000042",
        object_label="Capture €12.50",
        message='Captured "12.50" & more',
        path="/orders/100000042/capture/",
        ip="203.0.113.9",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 <script>",
    )
    AuditEvent.objects.create(type="sign_in_failed", outcome="failed", object_label="bob")
    AuditEvent.objects.create(type="denied", outcome="denied", ip="2001:db8::1", path="/x?a=1&b=2")
    AuditEvent.objects.create(type="something_new", user_agent="curl/8")  # no label for it
    events = list(AuditEvent.objects.all())
    for event in events:
        event.type_label = TYPE_LABELS.get(event.type, event.type)  # what the view set

    with timezone.override(zone):
        loop = LOOP.render(Context({"events": events}))
        rows = audit_rows_html(events)

    assert squeezed(rows) == squeezed(loop)
    assert rows.count("<tr>") == 4 and "&lt;script&gt;" in rows
