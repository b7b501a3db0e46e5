from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from backoffice.dashboard import FULL_LISTS, dashboard_summary
from backoffice.decorators import operation_view, staff_required
from backoffice.display import remember_preferences
from backoffice.forms import PreferencesForm, StoreSettingsForm
from backoffice.http import StaffRequest
from backoffice.locales import DEFAULT_LOCALE
from backoffice.models import (
    StaffProfile,
    Store,
    amount_locale,
    preferred_locale,
)
from backoffice.money import format_amount
from backoffice.permissions import require_store_perm, visible_store_ids
from backoffice.store_settings import (
    SETTINGS_PERMISSION,
    change_sentence,
    store_settings_change,
    store_settings_last_change,
)
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
    """The staff member's own preferences (amount locale, time zone); a GET writes nothing."""
    profile = StaffProfile.objects.filter(user=request.user).first()
    profile = profile or StaffProfile(user=request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, instance=profile)
    if form.is_bound and form.is_valid():
        saved = form.save()
        # Lists and pages follow at once (the session keeps it: no query per request).
        remember_preferences(request.session, time_zone=saved.time_zone, locale=saved.locale)
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


@staff_required
@operation_view(SETTINGS_PERMISSION)
@require_http_methods(["GET", "POST"])
def store_settings(request: StaffRequest, code: str) -> HttpResponse:
    """A store's four-eyes settings (threshold, window): another store's page is a 404, one
    the user may view without "Change store settings" a 403; a change is audited and shown."""
    store = get_object_or_404(
        Store.objects.filter(pk__in=visible_store_ids(request.user)), code=code
    )
    require_store_perm(request.user, SETTINGS_PERMISSION, store)
    locale = amount_locale(request.user, store)
    data = request.POST if request.method == "POST" else None
    form = StoreSettingsForm(data, store=store, locale=locale)
    if form.is_bound and form.is_valid():
        change = store_settings_change(
            store=store,
            user=request.user,
            threshold=form.cleaned_data["refund_approval_threshold"],
            window_hours=form.cleaned_data["approval_window_hours"],
        )
        done = f"Saved: {change_sentence(change)}." if change is not None else "Nothing changed."
        messages.success(request, done)
        return redirect("store_settings", code=store.code)
    last = store_settings_last_change(store=store)
    context = {
        "store": store,
        "form": form,
        "locale": locale,
        "example": format_amount(123456, store.currency, locale=locale),
        "last_change": last,
        "last_change_text": change_sentence(last) if last is not None else "",
    }
    return render(request, "store_settings.html", context, status=422 if form.is_bound else 200)
