"""The audit stream's rows, written in Python as the grids' rows are (`backoffice.grids`): the
template loop drew eight cells of a 50-event page with ~430 variable lookups and a date filter
per row, more than half of the page's time (bench/README.md, "Ninth sitting"). The markup is
the loop's (tests/backoffice/test_audit_rows.py)."""

from collections.abc import Sequence

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from backoffice.audit.forms import TYPE_LABELS
from backoffice.audit.models import AuditEvent, AuditOutcome
from backoffice.html_text import escaped, safe
from backoffice.url_patterns import url_pattern

OUTCOME_TONES = {AuditOutcome.SUCCESS: "badge--green", AuditOutcome.DENIED: "badge--orange"}
OUTCOME_LABELS = dict(AuditOutcome.choices)
NONE = "—"


def audit_rows_html(events: Sequence[AuditEvent]) -> SafeString:
    """The `<tr>`s of `events`, times in the current time zone."""
    order_url = url_pattern("orders:detail", "number")
    return safe("".join([_row(event, order_url) for event in events]))


def _row(event: AuditEvent, order_url: str) -> str:
    local = timezone.localtime(event.occurred_at)
    tone = OUTCOME_TONES.get(event.outcome, "badge--red")  # type: ignore[call-overload]
    outcome = OUTCOME_LABELS.get(event.outcome, event.outcome)
    number = escaped(event.order_number)
    order = f'<a href="{escaped(order_url.format(event.order_number))}">#{number}</a>'
    path = f'<span class="muted small mono">{escaped(event.path)}</span>' if event.path else ""
    agent = ""
    if event.user_agent:
        short = Truncator(event.user_agent).chars(32)
        agent = f'<br><span title="{escaped(event.user_agent)}">{escaped(short)}</span>'
    return (
        "\n        <tr>"
        f'\n          <td class="nowrap">{local:%Y-%m-%d %H:%M:%S} {escaped(local.tzname())}</td>'
        f"\n          <td>{escaped(TYPE_LABELS.get(event.type, event.type))}</td>"
        f'\n          <td><span class="badge {tone}">{escaped(outcome)}</span></td>'
        f"\n          <td>{escaped(event.user_label or NONE)}</td>"
        f"\n          <td>{escaped(event.store_code.upper() or NONE)}</td>"
        f"\n          <td>{order if event.order_number else NONE}</td>"
        f'\n          <td><div class="cell-stack"><span>'
        f"{escaped(event.message or event.object_label)}</span>{path}</div></td>"
        f'\n          <td class="muted small"><span class="mono">{escaped(event.ip or NONE)}</span>'
        f"{agent}</td>"
        "\n        </tr>"
    )
