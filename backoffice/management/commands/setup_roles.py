from typing import Any

from django.core.management.base import BaseCommand

from backoffice.roles import ROLES, roles_setup


class Command(BaseCommand):
    help = (
        "Create the staff roles (groups viewer, support, finance, manager) and make their "
        "operation permissions match the matrix in backoffice/roles.py; store-scoped role "
        "groups such as finance@eu are brought in line too. Safe to re-run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = roles_setup()
        for name in report.created:
            self.stdout.write(f"created group {name}")
        for name, codename in report.added:
            self.stdout.write(f"{name}: + {codename}")
        for name, codename in report.removed:
            self.stdout.write(f"{name}: - {codename}")
        if report.changed:
            self.stdout.write(self.style.SUCCESS(f"Roles updated: {', '.join(ROLES)}."))
        else:
            self.stdout.write("Roles are up to date; nothing changed.")
