"""Saved views of the grids: save, come back, the default, sharing, rename and delete."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from backoffice.models import SavedView
from tests.factories import OrderFactory, StoreFactory
from tests.orders.view_helpers import staff_user

pytestmark = pytest.mark.django_db

SAVE = "/accounts/views/orders/save/"


def listed_numbers(response) -> list[str]:
    return re.findall(r'class="link-strong" href="/orders/[^/]+/">#(\w+)</a>', response.text)


def save(client, name: str, query: str, **fields):
    return client.post(SAVE, {"name": name, "query": query, **fields})


@pytest.fixture
def orders():
    store = StoreFactory(code="us")
    OrderFactory(number="100000001", store=store, state="holded", customer_name="Ann Lee")
    OrderFactory(number="100000002", store=store, state="processing", customer_name="Bo Chan")


def test_save_a_view_and_come_back_to_it(client, viewer, orders):
    response = save(
        client, "On hold", "state=holded&sort=number&per_page=20&cols=number&cols=state&page=3"
    )

    view = SavedView.objects.get(user=viewer)
    assert view.params == {"state": ["holded"], "sort": ["number"], "per_page": ["20"]}
    assert view.columns == ["number", "state"]  # the page it was on is not kept
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/orders/"
    assert parse_qs(target.query)["view"] == [str(view.pk)]

    page = client.get(response["Location"])
    assert listed_numbers(page) == ["100000001"]
    assert 'data-testid="active-view">On hold<' in page.text
    headers = re.findall(r'<th scope="col"[^>]*>(?:<a[^>]*>)?([^<]+)', page.text)
    assert headers == ["Order", "State"]  # only the chosen columns
    assert '<option value="20" selected>' in page.text


def test_the_default_view_opens_with_the_bare_grid_and_reset_leaves_it(client, viewer, orders):
    save(client, "Mine", "q=Bo", is_default="on")
    view = SavedView.objects.get(user=viewer)

    response = client.get("/orders/")
    assert response.status_code == 302 and f"view={view.pk}" in response["Location"]
    assert listed_numbers(client.get(response["Location"])) == ["100000002"]
    # Reset: the whole list, without the default view.
    assert listed_numbers(client.get("/orders/?view=")) == ["100000002", "100000001"]


def test_one_default_per_grid_and_saving_a_name_again_updates_it(client, viewer, orders):
    save(client, "A", "state=holded", is_default="on")
    save(client, "B", "state=processing", is_default="on")
    save(client, "B", "state=canceled", is_default="on")

    views = {v.name: v for v in SavedView.objects.filter(user=viewer)}
    assert set(views) == {"A", "B"}
    assert not views["A"].is_default and views["B"].is_default
    assert views["B"].params == {"state": ["canceled"]}


def test_a_name_is_required_and_the_error_shows_next_to_it(client, viewer):
    response = save(client, "  ", "state=holded")

    assert response.status_code == 422
    assert 'class="field__error"' in response.text and "This field is required." in response.text
    assert not SavedView.objects.exists()


def test_only_a_manager_may_share_and_others_see_a_shared_view(client, orders):
    store = StoreFactory(code="eu")
    manager = staff_user("view_orders", "change_store_settings", username="mgr")
    client.force_login(manager)
    assert "Share with everyone" in client.get("/orders/?view=").text
    save(client, "Team hold", "state=holded", shared="on")
    save(client, "Private", "state=processing")

    support = staff_user("view_orders", username="sup")
    support_view = staff_user("view_orders", store=store, username="sup2")
    client.force_login(support)
    page = client.get("/orders/?view=").text
    assert "Team hold" in page and "by mgr" in page
    assert ">Private</a>" not in page
    assert "Share with everyone" not in page  # not a manager

    # Trying to share anyway saves the view unshared.
    save(client, "Mine", "state=holded", shared="on")
    assert not SavedView.objects.get(user=support).shared_with_everyone
    assert support_view.pk  # (a store-scoped user sees the shared view too)
    client.force_login(support_view)
    assert "Team hold" in client.get("/orders/?view=").text


def test_another_persons_view_can_be_neither_renamed_deleted_nor_read(client, viewer, orders):
    other = staff_user("view_orders", "change_store_settings", username="other")
    private = SavedView.objects.create(user=other, grid="orders", name="Secret", params={})
    shared = SavedView.objects.create(
        user=other, grid="orders", name="Shared", params={}, shared_with_everyone=True
    )

    for view in (private, shared):
        assert client.post(f"/accounts/views/{view.pk}/delete/").status_code == 404
        assert client.post(f"/accounts/views/{view.pk}/rename/", {"name": "x"}).status_code == 404
        assert client.get(f"/accounts/views/{view.pk}/rename/").status_code == 404
    assert SavedView.objects.count() == 2
    # Its id in the grid's URL names nothing the viewer may see.
    assert "Secret" not in client.get(f"/orders/?view={private.pk}").text
    assert ">Shared</a>" in client.get("/orders/?view=").text


def test_rename_and_delete_my_view(client, viewer, orders):
    save(client, "Old", "state=holded")
    save(client, "Taken", "state=processing")
    view = SavedView.objects.get(name="Old")

    form = client.get(f"/accounts/views/{view.pk}/rename/")
    assert form.status_code == 200 and 'value="Old"' in form.text
    clash = client.post(f"/accounts/views/{view.pk}/rename/", {"name": "taken"})
    assert clash.status_code == 422 and "You already have a view of this name." in clash.text
    assert client.post(f"/accounts/views/{view.pk}/rename/", {"name": "New"}).status_code == 302
    view.refresh_from_db()
    assert view.name == "New"

    assert client.post(f"/accounts/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_saving_needs_a_post_with_csrf(viewer):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(viewer)
    assert strict.post(SAVE, {"name": "x", "query": ""}).status_code == 403
    assert not SavedView.objects.exists()


def test_unknown_grid_is_a_404(client, viewer):
    assert client.post("/accounts/views/nope/save/", {"name": "x"}).status_code == 404


def test_transaction_grid_views_too(client, viewer):
    response = client.post(
        "/accounts/views/transactions/save/",
        {"name": "Refunds", "query": "type=RF&cols=uuid&cols=amount", "is_default": "on"},
    )
    view = SavedView.objects.get(grid="transactions")
    assert response["Location"].startswith("/transactions/?")
    assert view.params == {"type": ["RF"]} and view.columns == ["uuid", "amount"]
    bare = client.get("/transactions/")
    assert bare.status_code == 302 and f"view={view.pk}" in bare["Location"]
    page = client.get(bare["Location"]).text
    assert 'data-testid="active-view">Refunds<' in page
    # The orders grid has its own default (none here).
    assert client.get("/orders/").status_code == 200
