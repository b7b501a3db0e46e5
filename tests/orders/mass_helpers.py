"""Shared steps of the mass-action tests: orders authorized through the real sandbox, and a
mass action posted from the grid and confirmed, its job run by the tests' immediate tasks."""

from django.urls import reverse

from backoffice.job_models import Job, JobItem
from orders.models import Order
from tests.batch_helpers import order_with_authorization
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.payments.money_helpers import authorized_payment, sandbox_account


def authorized(store_code: str = "us", **fields) -> Order:
    """An order of $122.00 authorized for its grand total (sandbox)."""
    currency = {"us": "USD", "eu": "EUR"}[store_code]
    order, _payment = order_with_authorization(store_code=store_code, currency=currency, **fields)
    return order


def declining() -> Order:
    """Authorized for 111.00, but its total of 110.51 is a sandbox magic amount: declined."""
    store = StoreFactory(code="us", currency="USD")
    order = OrderFactory(store=store, subtotal=10051, shipping_amount=1000)
    OrderItemFactory(order=order, qty_ordered=1, unit_price=10051)
    authorized_payment(11100, order=order, account=sandbox_account(store))
    return order


def post(client, action: str, *, orders=(), all_matching=False, query="", confirm=True, key="k"):
    data = {"query": query, "orders": [o.number for o in orders]}
    if all_matching:
        data["all_matching"] = "1"
    if confirm:
        data |= {"confirm": "1", "form_key": key}
    return client.post(reverse(f"orders:mass_{action}"), data)


def run_action(client, capture_callbacks, action: str, **kwargs) -> Job:
    """Post the action confirmed; the job runs when the request's transaction commits."""
    with capture_callbacks(execute=True):
        response = post(client, action, **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.latest("pk")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    return job


def results(job: Job) -> dict[str, tuple[str, str, str]]:
    """{order number: (outcome, reason, message)}"""
    return {
        item.key: (item.outcome, item.reason, item.message)
        for item in JobItem.objects.filter(job=job)
    }
