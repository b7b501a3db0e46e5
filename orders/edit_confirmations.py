"""What an order edit and its Authorize the difference say before they are saved or sent.

Built like `orders.confirmations`: each builder runs the read-only checks its service runs
(stale form, the registry's answer) and raises the same errors, so a preview is answered
exactly as the real POST (`backoffice.confirmation`).
"""

from django.contrib.auth.models import User

from backoffice.availability import ensure
from backoffice.confirmation import Confirmation
from backoffice.money import format_money
from orders.models import Order
from orders.operations import OrderOperation, order_operation_availability
from orders.order_edit_plan import EditPlan
from orders.outstanding import payment_on_file
from orders.services.order_documents import check_version
from payments.confirmations import payment_label


def order_edit_confirmation(*, order: Order, plan: EditPlan, version: int) -> Confirmation:
    """ "Change the grand total from $61.00 to $122.00 (+$61.00): …"."""
    check_version(order, version)
    money = lambda amount: format_money(amount, order.currency)  # noqa: E731
    before, after, difference = plan.before.grand_total, plan.after.grand_total, plan.difference
    sign = "+" if difference >= 0 else "−"
    if difference > 0:
        then = f"{money(difference)} more is then outstanding: authorize it, or collect it."
    elif difference < 0:
        then = f"{money(-difference)} less: what was paid above the new total can be refunded."
    else:
        then = "The grand total stays the same."
    return Confirmation(
        title="Save changes",
        sentence=(
            f"Change the grand total of order #{order.number} from {money(before)} to "
            f"{money(after)} ({sign}{money(abs(difference))}): {plan.summary()}."
        ),
        ok_label="Save changes",
        consequence=f"{then} No money moves now; the edit is kept as a version.",
    )


def authorize_difference_confirmation(*, user: User, order: Order, version: int) -> Confirmation:
    """ "Authorize $61.00 online on Visa ····4242 (a new authorization)."."""
    answer = order_operation_availability(
        user=user, order=order, operation=OrderOperation.AUTHORIZE_DIFFERENCE
    )
    ensure(answer)
    check_version(order, version)
    on_file = payment_on_file(order)
    card = payment_label(on_file) if on_file is not None else "the payment method on file"
    amount = format_money(answer.max_amount or 0, order.currency)
    return Confirmation(
        title="Authorize the difference",
        sentence=f"Authorize {amount} online on {card} (a new authorization).",
        ok_label="Authorize",
        consequence="The gateway holds the money on the customer's card until it is captured.",
    )
