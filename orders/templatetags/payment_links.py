"""`{% payment_links_panel %}`: the order page's payment links (orders/services/payment_links.py).

"Copy payment link" is drawn enabled or disabled with the reason the POST guard would give; the
panel shows only when something is outstanding or the order has links. Reads only.
"""

from django import template
from django.conf import settings
from django.utils import timezone

from orders.payment_link_selectors import link_gateway, payment_link_rows
from orders.services.payment_links import payment_link_availability

register = template.Library()


@register.inclusion_tag("orders/_payment_links_panel.html", takes_context=True)
def payment_links_panel(context: template.Context) -> dict:
    request, order, figures = context["request"], context["order"], context["money"]
    now = context.get("now") or timezone.now()
    # `order_detail` knows whether the order has links: most have none, no query then.
    rows = (
        payment_link_rows(
            order=order,
            outstanding=figures.outstanding,
            now=now,
            base_url=request.build_absolute_uri("/"),
        )
        if getattr(order, "has_payment_links", True)
        else []
    )
    offer = figures.outstanding > 0
    # Asked whatever the amount, so the page's query count doesn't depend on it (none when a
    # payment holds the account: `link_gateway`).
    gateway = link_gateway(order, order.payments.all())
    availability = payment_link_availability(
        user=request.user, order=order, figures=figures, gateway=gateway
    )
    return {
        "order": order,
        "store": order.store,
        "rows": rows,
        "figures": figures,
        "availability": availability,
        "offer": offer,
        "show": offer or bool(rows),
        "ttl_days": settings.PAYMENT_LINK_TTL_DAYS,
        "csrf_token": context.get("csrf_token"),
    }
