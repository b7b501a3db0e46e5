"""The mass actions, their permissions and their confirmation sentences."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User

from backoffice.counting import RowCount
from backoffice.permissions import StorePermissions, store_permissions


@dataclass(frozen=True)
class MassAction:
    name: str  # "capture": the URL's last part and the job kind's suffix
    label: str  # "Capture", as on the order page's button
    codenames: tuple[str, ...]  # any of them, on the row's store
    explain: str  # what it does to each order, said on the confirmation page
    danger: bool = False
    makes_file: bool = False

    @property
    def kind(self) -> str:
        return f"orders.{self.name}"

    def question(self, count: RowCount) -> str:
        """ "Capture 53 orders?", "Capture about 1.2 million orders (estimate)?" """
        return f"{self.button(count)}?"

    def button(self, count: RowCount) -> str:
        noun = "order" if count.exact and count.value == 1 else "orders"
        return f"{self.label} {count.label(noun)}"

    def title(self, count: RowCount) -> str:
        """The job's title: "Capture 53 orders"."""
        return self.button(count)

    def store_ids(self, permissions: StorePermissions) -> list[int] | None:
        """The stores where the user may use it; None: every store."""
        ids: set[int] = set()
        for codename in self.codenames:
            stores = permissions.store_ids_with(codename)
            if stores is None:
                return None
            ids.update(stores)
        return sorted(ids)


EXPORTING = (
    # Printing or exporting many orders at once makes a file of customers' data: the export
    # permission (finance, managers), like every other export; one order's PDF stays a view.
    "export_data",
)

MASS_ACTIONS: dict[str, MassAction] = {
    action.name: action
    for action in (
        MassAction(
            "hold",
            "Hold",
            ("hold_order",),
            "Each order goes on hold: its money operations stop until Unhold.",
        ),
        MassAction("unhold", "Unhold", ("hold_order",), "Each order on hold returns to its state."),
        MassAction(
            "capture",
            "Capture",
            ("capture_online",),
            "Each order's open invoices are captured and what is not invoiced yet is invoiced "
            "and captured online from its authorizations (Capture Online).",
        ),
        MassAction(
            "cancel",
            "Cancel",
            ("cancel_order",),
            "Each order's open authorizations are voided online, then what is not invoiced is "
            "canceled.",
            danger=True,
        ),
        MassAction(
            "print_invoices",
            "Print invoices",
            EXPORTING,
            "One PDF with every invoice of the orders, each from a new page.",
            makes_file=True,
        ),
        MassAction(
            "export_csv",
            "Export CSV",
            EXPORTING,
            "One CSV file with a line per order.",
            makes_file=True,
        ),
    )
}


def mass_action_menu(user: User | AnonymousUser) -> list[MassAction]:
    """The actions the user may use on at least one store (the grid's menu): a viewer gets
    none of the money ones. Each row is still decided on its own store when the job runs."""
    permissions = store_permissions(user)
    return [
        action
        for action in MASS_ACTIONS.values()
        if any(permissions.has_anywhere(codename) for codename in action.codenames)
    ]
