from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Sales"

    def ready(self) -> None:
        # A credit memo follows its refunds when reconciliation resolves them after the memo's
        # own flow ended (see orders.services.credit_memo_settle).
        from orders.services.credit_memo_settle import credit_memo_follow_outcome
        from payments.services import register_outcome_listener

        register_outcome_listener(credit_memo_follow_outcome)
        # Likewise an invoice follows its captures (orders.services.invoicing).
        from orders.services.invoicing import invoice_follow_outcome

        register_outcome_listener(invoice_follow_outcome)
