"""factory_boy factories shared by the whole suite."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from backoffice.models import Store
from orders.enums import AddressKind, OrderState
from orders.models import Order, OrderAddress, OrderItem
from payments.enums import PaymentAction
from payments.models import GatewayAccount, Payment, ReasonCode


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.django.Password("pass-1234")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        django_get_or_create = ("code",)

    code = "us"
    name = factory.LazyAttribute(lambda s: f"Store {s.code.upper()}")
    currency = "USD"
    timezone = "UTC"


class GatewayAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GatewayAccount
        django_get_or_create = ("store", "gateway")

    store = factory.SubFactory(StoreFactory)
    gateway = "sandbox"
    name = "Sandbox"
    payment_action = PaymentAction.AUTHORIZE


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"{100000000 + n}")
    store = factory.SubFactory(StoreFactory)
    state = OrderState.PROCESSING
    currency = factory.LazyAttribute(lambda o: o.store.currency)
    customer_email = factory.Sequence(lambda n: f"customer{n}@example.com")
    customer_name = "Ann Lee"
    shipping_method = "Flat rate"
    payment_method_title = "Credit card (sandbox)"
    subtotal = 11200
    shipping_amount = 1000
    tax_amount = 0
    discount_amount = 0
    grand_total = factory.LazyAttribute(
        lambda o: o.subtotal + o.shipping_amount + o.tax_amount - o.discount_amount
    )
    placed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def addresses(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create or extracted is False:
            return
        for kind in AddressKind.values:
            OrderAddress.objects.create(
                order=self,
                kind=kind,
                name=self.customer_name,
                street="1 Main St",
                city="Springfield",
                postcode="12345",
                country="US",
            )


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    sku = factory.Sequence(lambda n: f"SKU{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    qty_ordered = 2
    unit_price = 5600
    row_total = factory.LazyAttribute(lambda i: i.unit_price * i.qty_ordered)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    gateway = "sandbox"
    payment_action = PaymentAction.AUTHORIZE
    method_title = "Credit card"
    card_brand = "visa"
    card_last4 = "4242"
    currency = factory.LazyAttribute(lambda p: p.order.currency)
    gateway_reference = factory.Sequence(lambda n: f"psp-auth-{n}")
    authorized_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


def reason_pk(store: Store | int, code: str = "returned") -> int:
    """The pk of one of the store's default reason codes (every store gets them when created),
    for the Reason field every refund and chargeback form requires."""
    store_id = store if isinstance(store, int) else store.pk
    return ReasonCode.objects.values_list("pk", flat=True).get(store_id=store_id, code=code)
