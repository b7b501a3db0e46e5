"""The payment link page's Stripe Checkout: go to Stripe's hosted page, come back.

`pay_checkout` (POST) sends the customer to the Checkout Session. Stripe sends them back to
`pay_return` with a GET, which must not write: it answers a small page whose form posts back
to the same URL (sent at once by static/js/pay.js; a button without JavaScript), and that POST
records the authorization once Stripe says the session is complete.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.errors import DomainError
from orders.payment_link_selectors import public_link
from orders.services.payment_link_checkout import (
    payment_link_checkout_finish,
    payment_link_checkout_start,
)
from orders.services.payment_link_pay import LinkNotPayable
from orders.views.payment_link_public import UNKNOWN, gone, page, public

RETURN = "orders/pay/return.html"


@never_cache
@require_POST
def pay_checkout(request: HttpRequest, token: str) -> HttpResponse:
    link = public_link(token)
    if link is None:
        return gone(request, None, UNKNOWN, "gone")
    pay_url = request.build_absolute_uri(reverse("pay:page", args=[token]))
    try:
        session = payment_link_checkout_start(
            link=link,
            return_url=request.build_absolute_uri(reverse("pay:return", args=[token])),
            cancel_url=pay_url,
        )
    except LinkNotPayable as exc:
        if exc.status == "open":
            return page(request, link, None, refusal=exc.message, status=409)
        return gone(request, link, exc.message, exc.status)
    except DomainError as exc:
        return page(request, link, None, refusal=exc.message, status=503)
    if session.authorized:
        return redirect("pay:return", token=token)
    response = HttpResponseRedirect(session.url)
    response.status_code = 303  # See Other: the browser GETs Stripe's page
    return public(response)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def pay_return(request: HttpRequest, token: str) -> HttpResponse:
    link = public_link(token)
    if link is None:
        return gone(request, None, UNKNOWN, "gone")
    if request.method != "POST":
        context = {"link": link, "order": link.order, "store": link.order.store, "token": token}
        return public(render(request, RETURN, context))
    try:
        outcome = payment_link_checkout_finish(link=link)
    except LinkNotPayable as exc:
        return gone(request, link, exc.message, exc.status)
    except DomainError as exc:
        return page(request, link, None, refusal=exc.message, status=503)
    if outcome.status == "declined":
        return page(request, link, None, declined=outcome.message)
    return redirect("pay:page", token=token)
