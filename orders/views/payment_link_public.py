"""The public payment link page, `/pay/<token>/`: no staff sign-in (the signed token is the
key), nothing of the back office (no staff names, no internal notes), not indexed, not cached.

GET shows the store, the order number, its items and the amount due, and the pay form of the
order's gateway (the sandbox's card form; Stripe: a button to its hosted Checkout,
`payment_link_checkout.py`). POST pays with the card form (CSRF-protected like every form). A
link that no longer works says so, and why, in the customer's words.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backoffice.errors import DomainError
from orders.forms_payment_link import CardForm
from orders.models import PaymentLink, PaymentLinkStatus
from orders.payment_link_selectors import link_gateway, link_status, public_link
from orders.services.payment_link_pay import DEAD_MESSAGES, LinkNotPayable, payment_link_pay_card
from payments.figures import figures_of
from payments.gateways.sandbox_cards import TEST_CARDS

PAGE = "orders/pay/page.html"
GONE = "orders/pay/gone.html"
UNKNOWN = "This payment link is not valid. Check that you copied all of it, or ask the shop."
# What each state of a link answers: a paid one is a page like any other, a dead one is gone.
HTTP_STATUS = {"paid": 200, "processing": 200, "gone": 404}
STRIPE_CHECKOUT = "https://checkout.stripe.com"


def public(response: HttpResponse) -> HttpResponse:
    """Headers of every public page: not indexed, the token never sent to other sites
    (same-origin, not no-referrer: a POST must still carry its Origin for the CSRF check)."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def gone(request: HttpRequest, link: PaymentLink | None, message: str, state: str):
    """A link that can't be paid (any more): paid, being confirmed, expired, revoked,
    outdated, or no link at all."""
    order = link.order if link else None
    context: dict[str, object] = {"link": link, "order": order, "message": message}
    context["store"] = order.store if order else None
    return public(render(request, GONE, context, status=HTTP_STATUS.get(state, 410)))


def page(
    request: HttpRequest,
    link: PaymentLink,
    form: CardForm | None,
    *,
    status: int = 200,
    **extra: object,
) -> HttpResponse:
    order = link.order
    gateway = link_gateway(order, order.payments.all())
    context = {
        "link": link,
        "token": request.resolver_match.kwargs["token"] if request.resolver_match else "",
        "order": order,
        "store": order.store,
        "items": order.items.all(),
        "gateway": gateway,
        "form": form or CardForm(),
        "test_cards": TEST_CARDS.values() if gateway and gateway.mode == "card" else (),
        **extra,
    }
    response = public(render(request, PAGE, context, status=status))
    if gateway is not None and gateway.mode == "stripe_checkout":
        # The Pay button's POST answers with a redirect to Stripe's hosted page.
        csp = dict(settings.SECURE_CSP)
        csp["form-action"] = [CSP.SELF, STRIPE_CHECKOUT]
        response._csp_config = csp  # type: ignore[attr-defined]
    return response


def _dead_status(link: PaymentLink) -> str | None:
    order = link.order
    outstanding = figures_of(order, payments=order.payments.all()).outstanding
    status = link_status(link, outstanding=outstanding, now=timezone.now())
    return None if status == "open" else status


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def pay_page(request: HttpRequest, token: str) -> HttpResponse:
    link = public_link(token)
    if link is None:
        return gone(request, None, UNKNOWN, "gone")
    dead = _dead_status(link)
    if dead is not None:
        return gone(request, link, DEAD_MESSAGES[PaymentLinkStatus(dead)], dead)
    if request.method != "POST":
        return page(request, link, None)
    form = CardForm(request.POST)
    if not form.is_valid():
        return page(request, link, form, status=422)
    try:
        outcome = payment_link_pay_card(link=link, card=form.card())
    except LinkNotPayable as exc:
        if exc.status == "open":
            return page(request, link, CardForm(), refusal=exc.message, status=409)
        return gone(request, link, exc.message, exc.status)
    except DomainError as exc:
        return page(request, link, CardForm(), refusal=exc.message, status=409)
    if outcome.status == "declined":
        form = CardForm(initial={"holder": form.cleaned_data["holder"]})
        return page(request, link, form, declined=outcome.message)
    return redirect(request.path)  # paid or being confirmed: the page says which
