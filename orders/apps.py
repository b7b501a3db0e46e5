from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Sales"

    def ready(self) -> None:
        # payments tells the orders layer what its money did (history, order state, documents,
        # four-eyes) through one interface: see payments/hooks.py.
        from orders.payment_hooks import OrderPaymentHooks
        from payments.hooks import register_order_hooks

        register_order_hooks(OrderPaymentHooks())
        # The order grid's mass actions as background jobs (orders/mass/, backoffice/jobs/).
        from orders.mass.kinds import register_mass_actions

        register_mass_actions()
