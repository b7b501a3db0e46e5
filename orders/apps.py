from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Sales"

    def ready(self) -> None:
        # An invoice follows its captures when reconciliation resolves them after the
        # invoice's own flow ended (see orders.services.invoicing).
        from orders.services.invoicing import invoice_follow_outcome
        from payments.services import register_outcome_listener

        register_outcome_listener(invoice_follow_outcome)
