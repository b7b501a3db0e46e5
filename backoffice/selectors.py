from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q

from backoffice.permissions import visible_store_ids
from orders.enums import OrderState
from orders.models import Order
from payments.enums import PaymentStatus


def dashboard_summary(*, user: AbstractBaseUser) -> dict:
    orders = Order.objects.filter(store_id__in=visible_store_ids(user))
    counts = orders.aggregate(
        processing=Count("pk", filter=Q(state=OrderState.PROCESSING)),
        on_hold=Count("pk", filter=Q(state=OrderState.HOLDED)),
        payment_review=Count("pk", filter=Q(state=OrderState.PAYMENT_REVIEW)),
        to_capture=Count("pk", filter=Q(payment_status=PaymentStatus.AUTHORIZED)),
    )
    recent = orders.select_related("store").order_by("-placed_at", "-id")[:10]
    return {"counts": counts, "recent_orders": recent}
