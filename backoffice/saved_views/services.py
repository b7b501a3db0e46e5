"""Writes of saved views: save (create or overwrite by name), rename, delete."""

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.saved_view_models import SavedView


@transaction.atomic
def saved_view_save(
    *,
    user: User,
    grid: str,
    name: str,
    params: dict[str, list[str]],
    columns: list[str],
    is_default: bool,
    shared: bool,
) -> SavedView:
    """Save the grid's current state under `name`; a view of that name is overwritten. A new
    default takes over from the previous one. `shared`: checked by the caller's form."""
    if is_default:
        SavedView.objects.filter(user=user, grid=grid, is_default=True).exclude(name=name).update(
            is_default=False
        )
    view, _created = SavedView.objects.update_or_create(
        user=user,
        grid=grid,
        name=name,
        defaults={
            "params": params,
            "columns": columns,
            "is_default": is_default,
            "shared_with_everyone": shared,
        },
    )
    return view


def saved_view_rename(*, view: SavedView, name: str) -> SavedView:
    view.name = name
    view.save(update_fields=["name", "updated_at"])
    return view


def saved_view_delete(*, view: SavedView) -> None:
    view.delete()
