from typing import Any

from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations, models
from django.utils import timezone


def _device_columns(persistent_id: Any) -> tuple[str, int | None]:
    """(model label, primary key) of django-otp's `persistent_id` ("otp_totp.totpdevice/7",
    or the older "django_otp.plugins.otp_totp.models.TOTPDevice/7")."""
    if not isinstance(persistent_id, str):
        return "", None
    if persistent_id.count(".") > 1:
        parts = persistent_id.split(".")
        persistent_id = ".".join((parts[-3], parts[-1]))
    label, _, pk = persistent_id.rpartition("/")
    return (label.lower(), int(pk)) if pk.isdigit() else ("", None)


def copy_open_sessions(apps: Any, schema_editor: Any) -> None:
    """The sessions still open keep their people signed in: copied with their columns."""
    old, new = (
        apps.get_model("sessions", "Session"),
        apps.get_model("backoffice", "SignedInSession"),
    )
    decode = SessionStore().decode  # the salt of Django's store and ours ("SessionStore")
    batch = []
    for session in old.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=1000):
        data = decode(session.session_data)
        user_pk = data.get("_auth_user_id")
        device_model, device_pk = _device_columns(data.get("otp_device_id"))
        batch.append(
            new(
                session_key=session.session_key,
                session_data=session.session_data,
                expire_date=session.expire_date,
                user_pk=int(user_pk) if str(user_pk).isdigit() else None,
                device_model=device_model,
                device_pk=device_pk,
            )
        )
        if len(batch) == 1000:
            new.objects.bulk_create(batch)
            batch = []
    new.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0011_jobs"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignedInSession",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user_pk", models.IntegerField(null=True)),
                ("device_model", models.CharField(blank=True, default="", max_length=100)),
                ("device_pk", models.IntegerField(null=True)),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "db_table": "signin_session",
                "abstract": False,
            },
        ),
        migrations.RunPython(copy_open_sessions, migrations.RunPython.noop),
    ]
