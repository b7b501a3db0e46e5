"""Save, rename and delete one's saved views (POST, CSRF): the person's own objects, touching
no store's data (like Preferences, under accounts/). Opening a view is a plain link to the grid
with its parameters (`selectors.view_url`); a GET never writes."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from backoffice.decorators import staff_required
from backoffice.http import StaffRequest
from backoffice.saved_view_models import Grid
from backoffice.saved_views import selectors, services
from backoffice.saved_views.forms import SaveViewForm, ViewNameForm, params_of


def _grid(value: str) -> Grid:
    try:
        return Grid(value)
    except ValueError:
        raise Http404("No such grid.") from None


@staff_required
@require_http_methods(["GET", "POST"])
def saved_view_save(request: StaffRequest, grid: str) -> HttpResponse:
    """The Save view form of a grid's menu; its page shows the form again with the errors."""
    kind = _grid(grid)
    data = request.POST if request.method == "POST" else None
    initial = {"query": request.GET.get("query", "")}
    form = SaveViewForm(data, initial=initial, user=request.user, grid=kind)
    if form.is_bound and form.is_valid():
        params, columns = params_of(form.cleaned_data["query"])
        view = services.saved_view_save(
            user=request.user,
            grid=kind,
            name=form.cleaned_data["name"],
            params=params,
            columns=columns,
            is_default=form.cleaned_data["is_default"],
            shared=form.cleaned_data.get("shared", False),
        )
        messages.success(request, f"View “{view.name}” saved.")
        return redirect(selectors.view_url(view))
    back = reverse(selectors.GRID_URL_NAMES[kind])
    if query := form["query"].value():
        back = f"{back}?{query}"
    context = {"form": form, "grid": kind, "back": back, "title": "Save view"}
    return render(request, "saved_views/view_form.html", context, status=422 if data else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def saved_view_rename(request: StaffRequest, pk: int) -> HttpResponse:
    view = selectors.own_saved_view(user=request.user, pk=pk)
    data = request.POST if request.method == "POST" else None
    form = ViewNameForm(
        data, initial={"name": view.name}, user=request.user, grid=view.grid, exclude_pk=view.pk
    )
    if form.is_bound and form.is_valid():
        services.saved_view_rename(view=view, name=form.cleaned_data["name"])
        messages.success(request, f"View renamed “{view.name}”.")
        return redirect(selectors.view_url(view))
    context = {
        "form": form,
        "grid": Grid(view.grid),
        "back": selectors.view_url(view),
        "title": f"Rename “{view.name}”",
        "view": view,
    }
    return render(request, "saved_views/view_form.html", context, status=422 if data else 200)


@staff_required
@require_POST
def saved_view_delete(request: StaffRequest, pk: int) -> HttpResponse:
    view = selectors.own_saved_view(user=request.user, pk=pk)
    name, grid = view.name, Grid(view.grid)
    services.saved_view_delete(view=view)
    messages.success(request, f"View “{name}” deleted.")
    return redirect(f"{reverse(selectors.GRID_URL_NAMES[grid])}?view=")
