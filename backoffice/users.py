"""Who did it, as history shows it: a label snapshot that survives the user's deletion."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def user_label(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """ "Ann Lee (ann)" or "ann"; "" for the system (batch jobs, imports) and anonymous users."""
    if user is None or not user.is_authenticated:
        return ""
    get_full_name = getattr(user, "get_full_name", None)
    full_name = get_full_name() if callable(get_full_name) else ""
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()
