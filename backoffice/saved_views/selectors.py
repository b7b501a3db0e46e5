"""Reads of saved views: a person sees their own and the ones shared with everyone."""

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser, User
from django.shortcuts import get_object_or_404
from django.urls import reverse

from backoffice.permissions import store_permissions
from backoffice.prebuilt_reads import rows_where
from backoffice.saved_view_models import Grid, SavedView

# The grid each saved view opens (URL names: the core imports no app).
GRID_URL_NAMES = {Grid.ORDERS: "orders:list", Grid.TRANSACTIONS: "payments:transaction_list"}
# Sharing a view with everyone is a manager's act: the one manager-only permission of the
# role matrix (`backoffice.roles`), held on any store. No new permission to hand out.
SHARE_PERMISSION = "change_store_settings"
# What the views menu shows of another person's shared view: "by <username>".
OWNER_FIELDS = ("id", "username")


def can_share_views(user: User | AnonymousUser) -> bool:
    return store_permissions(user).has_anywhere(SHARE_PERMISSION)


def saved_views_for(*, user: User | AnonymousUser, grid: str) -> list[SavedView]:
    """The person's own views of `grid`, then those others shared, each with its `user`: one
    query (a statement written once: every list page asks), two when others shared some."""
    if not user.is_authenticated:
        return []
    views = rows_where(
        SavedView, "{grid} = %s AND ({user} = %s OR {shared_with_everyone})", grid, user.pk
    )
    others = list({view.user_id for view in views} - {user.pk})
    owners = {o.pk: o for o in rows_where(User, "{id} IN (%s)", others, fields=OWNER_FIELDS)}
    for view in views:
        view.user = user if view.user_id == user.pk else owners[view.user_id]
    return sorted(views, key=lambda v: (v.user_id != user.pk, v.name.casefold(), v.pk))


def own_saved_view(*, user: User | AnonymousUser, pk: int) -> SavedView:
    """One of the person's own views, or 404 (another's view is not confirmed to exist)."""
    return get_object_or_404(SavedView, pk=pk, user_id=user.pk)


def view_querystring(view: SavedView) -> str:
    """The grid's query string that opens `view`: its params, its columns, its id."""
    pairs = [(name, value) for name, values in view.params.items() for value in values]
    pairs += [("cols", key) for key in view.columns]
    pairs.append(("view", str(view.pk)))
    return urlencode(pairs)


def view_url(view: SavedView) -> str:
    return f"{reverse(GRID_URL_NAMES[Grid(view.grid)])}?{view_querystring(view)}"


def default_view(views: list[SavedView], *, user: User | AnonymousUser) -> SavedView | None:
    """The person's default among `saved_views_for`'s answer (no query)."""
    return next((v for v in views if v.is_default and v.user_id == user.pk), None)


def active_view(views: list[SavedView], value: str | None) -> SavedView | None:
    """The view `?view=` names, if it is one the person may open."""
    return next((v for v in views if str(v.pk) == (value or "")), None)
