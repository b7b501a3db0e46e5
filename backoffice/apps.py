from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Back office"

    def ready(self) -> None:
        from backoffice import display  # noqa: F401  (keeps the preferences at sign-in)
        from backoffice.signin import receivers  # noqa: F401  (connects the lockout audit)
