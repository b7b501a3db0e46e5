"""Store settings: managers edit the four-eyes threshold and window in the app; audited."""

import logging
from html import unescape

import pytest
from django.urls import reverse

from backoffice.audit.models import AuditEvent
from backoffice.models import Store, StoreSettingsChange
from tests.backoffice.roles_helpers import eu_store, role_user, snapshot
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store() -> Store:
    store = eu_store(threshold=50000)  # €500.00
    store.locale = "de_DE"  # amounts typed as 1.234,56
    store.save()
    return store


def url(store: Store) -> str:
    return reverse("store_settings", args=[store.code])


def text(response) -> str:
    return unescape(response.content.decode())


def test_a_manager_changes_threshold_and_window_in_their_locale(client, store, caplog):
    manager = role_user("manager")
    client.force_login(manager)
    form = client.get(url(store))
    assert 'value="500,00"' in form.text  # shown as typed in de_DE

    with caplog.at_level(logging.INFO, logger="backoffice.audit"):
        response = client.post(
            url(store), {"refund_approval_threshold": "1.234,56", "approval_window_hours": "48"}
        )

    assert response.status_code == 302
    store.refresh_from_db()
    assert (store.refund_approval_threshold, store.approval_window_hours) == (123456, 48)
    change = StoreSettingsChange.objects.get()
    assert (change.changed_by, change.old_threshold, change.new_threshold) == (
        manager,
        50000,
        123456,
    )
    assert (change.old_window_hours, change.new_window_hours) == (24, 48)
    [line] = [r for r in caplog.records if r.name == "backoffice.audit"]
    said = "approval threshold from €500.00 to €1,234.56; approval window from 24 to 48 hours"
    assert line.getMessage() == f"store settings: store eu changed by manager: {said}"
    assert (line.store, line.user) == ("eu", "manager")
    event = AuditEvent.objects.get(type="settings_change")
    assert (event.user_id, event.store_code) == (manager.pk, "eu")
    assert event.message == f"Store settings: {said}"
    page = text(client.get(url(store)))
    assert "Changed by <strong>Manager (manager)</strong> on " in page
    assert said in page


def test_an_empty_threshold_means_never(client, store):
    client.force_login(role_user("manager"))

    client.post(url(store), {"refund_approval_threshold": "", "approval_window_hours": "24"})

    store.refresh_from_db()
    assert store.refund_approval_threshold is None
    assert "approval threshold from €500.00 to none (never asks)" in text(client.get(url(store)))


def test_saving_the_same_values_writes_nothing(client, store):
    client.force_login(role_user("manager"))
    before = snapshot()

    response = client.post(
        url(store), {"refund_approval_threshold": "500,00", "approval_window_hours": "24"}
    )

    assert response.status_code == 302
    assert snapshot() == before


@pytest.mark.parametrize(
    ("threshold", "window", "field"),
    [
        ("12abc", "24", "refund_approval_threshold"),
        ("-5,00", "24", "refund_approval_threshold"),
        ("1,234", "24", "refund_approval_threshold"),  # more decimals than EUR has
        ("100,00", "0", "approval_window_hours"),
        ("100,00", "many", "approval_window_hours"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(client, store, threshold, window, field):
    client.force_login(role_user("manager"))
    before = snapshot()

    response = client.post(
        url(store), {"refund_approval_threshold": threshold, "approval_window_hours": window}
    )

    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert 'class="field__error"' in response.text
    assert snapshot() == before
    assert Store.objects.get(pk=store.pk).refund_approval_threshold == 50000


def test_finance_may_not_change_them(client, store):
    client.force_login(role_user("finance"))
    before = snapshot()

    get = client.get(url(store))
    post = client.post(
        url(store), {"refund_approval_threshold": "1,00", "approval_window_hours": "1"}
    )

    assert (get.status_code, post.status_code) == (403, 403)
    assert "Requires the Change store settings permission for store EU" in text(post)
    assert snapshot() == before


def test_another_stores_settings_are_a_404(client, store):
    us = StoreFactory(code="us", currency="USD")
    client.force_login(role_user("manager", store=us, username="manager_us"))

    assert client.get(url(store)).status_code == 404
    assert client.get(url(us)).status_code == 200


def test_the_dashboard_links_the_settings_for_those_who_may(client, store):
    client.force_login(role_user("manager"))
    assert url(store) in client.get(reverse("dashboard")).text

    client.force_login(role_user("finance"))
    assert url(store) not in client.get(reverse("dashboard")).text
