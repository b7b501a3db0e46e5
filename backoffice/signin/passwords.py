"""Password rules beyond Django's own validators: none of the last few passwords again."""

from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class RecentPasswordValidator:
    """Refuses a password equal to the current one or to one of the `last` before it; stores
    each new password's hash once it is set (`password_changed`)."""

    def __init__(self, last: int = 4) -> None:
        self.last = last

    def _recent_hashes(self, user: Any) -> list[str]:
        from backoffice.models import PasswordHistory

        if user is None or user.pk is None:
            return []
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                : self.last
            ]
        )
        current = getattr(user, "password", "")
        if current and current not in hashes:
            hashes.insert(0, current)
        return hashes[: self.last]

    def validate(self, password: str, user: Any = None) -> None:
        if any(check_password(password, hashed) for hashed in self._recent_hashes(user)):
            raise ValidationError(
                f"This password was one of your last {self.last}; choose a new one.",
                code="password_reused",
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        from backoffice.models import PasswordHistory

        if user is None or user.pk is None or not user.password:
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)

    def get_help_text(self) -> str:
        return f"Your password can't be one of your last {self.last} passwords."
