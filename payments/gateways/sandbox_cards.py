"""The sandbox's test cards, for the payment link's card form (README, "Payment links").

Like a real PSP's test mode: a few documented numbers, each with its outcome. Any expiry in the
future, any 3-digit CVC (4 for American Express). Another number is declined: the sandbox
knows only its test cards. The number is never stored, here or in the back office.
"""

from dataclasses import dataclass

from payments.gateways.sandbox_rules import Fault


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    outcome: str  # as the README's table says it
    fault: Fault | None = None
    decline_message: str = ""


TEST_CARDS = {
    card.number: card
    for card in (
        TestCard("4242424242424242", "Visa", "approved"),
        TestCard("5555555555554444", "Mastercard", "approved"),
        TestCard("378282246310005", "American Express", "approved"),
        TestCard(
            "4000000000000002",
            "Visa",
            "declined: card declined",
            Fault.DECLINE,
            "Your card was declined.",
        ),
        TestCard(
            "4000000000009995",
            "Visa",
            "declined: insufficient funds",
            Fault.DECLINE,
            "Your card has insufficient funds.",
        ),
        TestCard(
            "4000000000000259",
            "Visa",
            "accepted as pending, approved when looked up",
            Fault.PENDING,
        ),
    )
}
UNKNOWN_CARD = TestCard(
    "", "Card", "declined", Fault.DECLINE, "The sandbox accepts only its test cards."
)


def test_card(number: str) -> TestCard:
    return TEST_CARDS.get(number, UNKNOWN_CARD)


def card_brand(number: str) -> str:
    """The brand shown for a number (test cards by the table, others by their first digits)."""
    if number in TEST_CARDS:
        return TEST_CARDS[number].brand
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or number[:1] == "2":
        return "Mastercard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    return "Card"
