"""The reads every signed-in request makes before its view runs — the session, the user and
the second-factor device, each one row by its primary key — written once per model and
reused, instead of built by the ORM for every request.

Building and compiling `Model.objects.get(pk=…)` costs more than the statement itself
(~0.4 ms of ~0.6 ms here), three times on every request: measured, these reads took 1.6–2.2 ms
off every page and POST (bench/README.md, issue 21). Everything the ORM would do with the
row is still done: the backend's and the fields' converters (SQLite's dates),
`Model.from_db` (so `pre_init`/`post_init` and `_state` are as usual), and every check stays
Django's or django-otp's. Only for models whose default manager does not filter rows (the
three here do not).
"""

from collections.abc import Callable
from contextlib import suppress
from typing import Any, cast

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db import connections, router
from django.db.models import Model
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

Converter = Callable[[Any, Any, Any], Any]


class _RowRead:
    """The statement, the column names and the converters of one model's primary-key read on
    one database."""

    def __init__(self, model: type[Model], alias: str) -> None:
        connection = connections[alias]
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        self.attnames = [field.attname for field in fields]
        self.sql = "SELECT {} FROM {} WHERE {} = %s".format(
            ", ".join(quote(cast(str, field.column)) for field in fields),
            quote(model._meta.db_table),
            quote(cast(str, model._meta.pk.column)),
        )
        # As the ORM's compiler does (SQLCompiler.get_converters): the backend's, then the field's.
        self.converters: list[tuple[int, list[Converter], Any]] = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((index, found, column))


_reads: dict[tuple[type[Model], str], _RowRead] = {}


def row_by_pk[M: Model](model: type[M], pk: Any) -> M | None:
    """The instance of `model` whose primary key is `pk`, None when there is none: one
    statement, as `model._default_manager.filter(pk=pk).first()` would send."""
    alias = router.db_for_read(model)
    read = _reads.get((model, alias))
    if read is None:
        read = _reads[(model, alias)] = _RowRead(model, alias)
    connection = connections[alias]
    value = model._meta.pk.get_db_prep_value(pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, converters, column in read.converters:
        for convert in converters:
            values[index] = convert(values[index], column, connection)
    return model.from_db(alias, read.attnames, values)


class SignedInUserBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, `user_can_authenticate`), reading the
    signed-in user of each request by its primary key (`row_by_pk`)."""

    def get_user(self, user_id: Any) -> User | None:
        user = cast(User | None, row_by_pk(get_user_model(), user_id))
        return user if user is not None and self.user_can_authenticate(user) else None


class SignedInDeviceOTPMiddleware(OTPMiddleware):
    """django-otp's middleware (its device-to-user binding, confirmation and session cleanup
    kept), reading the session's device by its primary key (`row_by_pk`)."""

    def _device_from_persistent_id(self, persistent_id: str) -> Device | None:
        path, _, device_id = self._normalize_persistent_id(persistent_id).rpartition("/")
        with suppress(ValueError, LookupError):
            model = apps.get_model(path)
            if issubclass(model, Device):  # anything else is no device (upstream: an error)
                return row_by_pk(model, int(device_id))
        return None
