from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from backoffice.dashboard import FULL_LISTS, dashboard_summary
from backoffice.decorators import staff_required
from backoffice.forms import PreferencesForm
from backoffice.http import StaffRequest
from backoffice.locales import DEFAULT_LOCALE
from backoffice.models import (
    StaffProfile,
    Store,
    amount_locale,
    preferred_locale,
)
from backoffice.money import format_amount
from backoffice.permissions import visible_store_ids
from backoffice.templatetags.amount_inputs import preview_html


@staff_required
@require_safe
def dashboard(request: StaffRequest) -> HttpResponse:
    """`?approvals=all`, `?expiring=all`: that card lists every row its count counts."""
    full = frozenset(card for card in FULL_LISTS if request.GET.get(card) == "all")
    return render(request, "dashboard.html", dashboard_summary(user=request.user, full=full))


@staff_required
@require_safe
def money_preview(request: StaffRequest) -> HttpResponse:
    """What an amount field reads, as it will be booked ("= €1.50"), or the parser's message:
    always 200 (htmx swaps it next to the field). `field` names the parameter holding the
    amount (default `amount`); `store` (a code) gives the locale and the default currency."""
    params = request.GET
    store = None
    if code := params.get("store"):
        store = Store.objects.filter(pk__in=visible_store_ids(request.user), code=code).first()
        if store is None:
            raise Http404("No such store.")
    if store is not None:
        locale = amount_locale(request.user, store)
    else:
        locale = preferred_locale(request.user) or DEFAULT_LOCALE
    currency = params.get("currency") or (store.currency if store else "")
    text = params.get(params.get("field") or "amount", "")
    return HttpResponse(preview_html(text, currency, locale=locale))


@staff_required
@require_http_methods(["GET", "POST"])
def preferences(request: StaffRequest) -> HttpResponse:
    """The staff member's own preferences (the amount locale); a GET writes nothing."""
    profile = StaffProfile.objects.filter(user=request.user).first()
    profile = profile or StaffProfile(user=request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, instance=profile)
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, "Your preferences are saved.")
        return redirect("preferences")
    context = {"form": form, "stores": _store_examples(request)}
    return render(request, "preferences.html", context, status=422 if form.is_bound else 200)


def _store_examples(request: StaffRequest) -> list[dict[str, object]]:
    """Each visible store, the locale its amounts are typed in for this user, and an example."""
    rows = []
    for store in Store.objects.filter(pk__in=visible_store_ids(request.user)):
        locale = amount_locale(request.user, store)
        example = format_amount(123456, store.currency, locale=locale)
        rows.append({"store": store, "locale": locale, "example": example})
    return rows
