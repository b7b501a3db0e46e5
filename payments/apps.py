from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save


def _store_created(sender: type, instance: Any, created: bool, raw: bool = False, **_: Any) -> None:
    """Every new store starts with the default reason codes (the core knows nothing of them)."""
    if created and not raw:
        from payments.services.reason_codes import store_reason_codes_ensure

        store_reason_codes_ensure(store=instance)


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from backoffice.models import Store
        from payments import checks  # noqa: F401  (registers the system checks)
        from payments.export_jobs import register_export_job

        register_export_job()

        post_save.connect(_store_created, sender=Store, dispatch_uid="payments_store_reason_codes")
