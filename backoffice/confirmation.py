"""The one confirmation of every money move, asked after the server has validated the request.

A money form (marked `data-confirm-money`, see static/js/confirm.js) is first posted with
`_confirm=preview`. Its view runs exactly what the real POST runs — permission, availability,
form validation, the service's read-only checks — and then, instead of calling the service,
answers `confirmation_response(...)`: the money as it will be booked ("Capture $10.50 online
from Visa ····4242 (authorization psp-auth-1)."), which the browser shows in its dialog before
sending the real request. Invalid input is answered exactly as the real POST answers it (same
status, same field errors); a preview never writes anything.

The core knows no app: the sentences are built by the apps (`payments.confirmations`,
`orders.confirmations`); this module only holds their shape and the protocol.
"""

from dataclasses import asdict, dataclass

from django.http import HttpRequest, JsonResponse

PREVIEW_FIELD = "_confirm"
PREVIEW_VALUE = "preview"
REQUEST_APPROVAL = "Request approval"


@dataclass(frozen=True)
class Confirmation:
    """What the dialog shows: the money sentence, what follows from it, and the OK button."""

    title: str
    sentence: str  # the money: amount and currency, online or offline, where it goes or comes from
    ok_label: str
    consequence: str = ""  # "The gateway sends the money back to the card; this can't be undone."
    danger: bool = False  # the OK button in the destructive colour (Reversal)
    awaits_approval: bool = False  # the request waits for a second person (four-eyes)


def is_preview(request: HttpRequest) -> bool:
    """A POST asking what it would do (`_confirm=preview`), not to do it."""
    return request.method == "POST" and request.POST.get(PREVIEW_FIELD) == PREVIEW_VALUE


def confirmation_response(confirmation: Confirmation | None) -> JsonResponse:
    """200 `{"confirm": {...}}`; `{"confirm": null}` when there is nothing to confirm (the same
    form was already submitted: the real request answers with what happened then)."""
    body = asdict(confirmation) if confirmation is not None else None
    return JsonResponse({"confirm": body})


def approval_confirmation(
    *, title: str, what: str, amount: str, why: str, consequence: str = ""
) -> Confirmation:
    """A money move above the store's threshold (four-eyes: whoever asks): it will wait for a
    second person. `amount` is formatted money ("€600.00"); `why` says why it waits ("above
    the store's €500.00 threshold", "with €90.00 refunded on this order in the last 24 hours,
    above the store's €100.00 threshold")."""
    return Confirmation(
        title=title,
        sentence=f"Request approval of a {amount} {what}: {why}.",
        ok_label=REQUEST_APPROVAL,
        consequence=consequence or "Nothing moves until a manager approves it.",
        awaits_approval=True,
    )
