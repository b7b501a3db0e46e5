"""Demo stores, their sandbox gateway accounts and the demo staff (DESIGN.md "Contract")."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.models import Store
from backoffice.roles import FINANCE, MANAGER, SUPPORT, VIEWER, role_grant, role_grant_for_store
from backoffice.signin.factors import APP_DEVICE_NAME, base32_secret, new_key
from payments.enums import PaymentAction
from payments.models import GatewayAccount
from payments.services.reason_codes import store_reason_codes_ensure


@dataclass(frozen=True)
class DemoStore:
    code: str
    name: str
    currency: str
    timezone: str
    refund_approval_threshold: int
    payment_action: str
    locale: str  # how staff type amounts there: 1,234.56 / 1.234,56 / 1,234


STORES: tuple[DemoStore, ...] = (
    DemoStore("us", "US Store", "USD", "America/New_York", 50000, PaymentAction.AUTHORIZE, "en_US"),
    DemoStore("eu", "EU Store", "EUR", "Europe/Berlin", 50000, PaymentAction.AUTHORIZE, "de_DE"),
    # Captures at checkout, so the demo also shows orders invoiced at import.
    DemoStore(
        "jp", "Japan Store", "JPY", "Asia/Tokyo", 50000, PaymentAction.AUTHORIZE_CAPTURE, "ja_JP"
    ),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str | None  # None: superuser
    store: str | None = None  # role on this store only

    @property
    def password(self) -> str:
        # Local demo only (DESIGN.md contract): the username followed by "-pass". Set directly,
        # so the password rules (12 characters and more, PCI DSS 8.3.6) do not apply to these
        # few demo accounts; every password a person sets in the app goes through them.
        return f"{self.username}-pass"


USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Alex", "Morgan", None),
    DemoUser("manager", "Maria", "Keller", MANAGER),
    DemoUser("finance", "Frank", "Okafor", FINANCE),
    DemoUser("support", "Sam", "Rivera", SUPPORT),
    DemoUser("viewer", "Vera", "Novak", VIEWER),
    DemoUser("finance_eu", "Elena", "Fischer", FINANCE, store="eu"),
)


def demo_stores_ensure() -> dict[str, Store]:
    """Create the demo stores and sandbox accounts that don't exist; never change existing ones."""
    stores = {}
    for spec in STORES:
        store, _ = Store.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "currency": spec.currency,
                "timezone": spec.timezone,
                "refund_approval_threshold": spec.refund_approval_threshold,
                "locale": spec.locale,
            },
        )
        GatewayAccount.objects.get_or_create(
            store=store,
            gateway="sandbox",
            defaults={"name": "Sandbox", "payment_action": spec.payment_action},
        )
        store_reason_codes_ensure(store=store)  # also for stores made before reason codes
        stores[spec.code] = store
    return stores


def demo_users_ensure(*, stores: dict[str, Store]) -> dict[str, User]:
    """Create the demo staff that don't exist and (re)grant their roles; passwords of existing
    users are left alone."""
    User = get_user_model()
    users = {}
    for spec in USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@example.com",
                "is_staff": True,
                "is_superuser": spec.role is None,
            },
        )
        if created:
            user.set_password(spec.password)
            user.save(update_fields=["password"])
        if spec.role and spec.store:
            role_grant_for_store(user=user, role=spec.role, store=stores[spec.store])
        elif spec.role:
            role_grant(user=user, role=spec.role)
        users[spec.username] = user
    return users


def demo_totp_ensure(*, users: dict[str, User]) -> dict[str, str]:
    """Give each demo user an authenticator app (a TOTP device) unless they have one; each
    user's secret in base32, to add to an app (demo only: `seed_demo` prints them)."""
    secrets = {}
    for username, user in users.items():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, key=new_key(), name=APP_DEVICE_NAME, confirmed=True
            )
        secrets[username] = base32_secret(device.key)
    return secrets
