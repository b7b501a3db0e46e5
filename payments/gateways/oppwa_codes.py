"""OPPWA's result codes (`result.code`, `ddd.ddd.ddd`) classified by its documented groups.

OPPWA answers a declined payment with HTTP 200 or 400 alike: the result code decides, matched
against the regular expressions of its "Result codes" reference, in this order:

- successful (`000.000.`, `000.100.1`, `000.3`, `000.6`, `000.400.110/120`), and successful
  but to be reviewed manually (`000.400.0x` except `000.400.03x`, `000.400.100`): success;
- chargeback codes (`000.100.2`): a chargeback (CB) or its reversal (CR) that happened, the
  code telling its reason: success;
- pending (`000.200`), and pending that may change after days (`800.400.5`, `100.400.500`);
- communication errors (`900.100/200/300/400`, `000.400.030`) and system errors (`800.5`,
  `800.6`, `999.`, `600.1`, `800.800.4`, `800.800.8`): nobody knows whether it was applied,
  so the outcome is unknown (the adapter raises `GatewayError`; `lookup` settles it);
- everything else is a rejection, named by its group (bank, risk, validation…).
"""

import re
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    SUCCESS = "success"
    REVIEW = "review"  # successful, to be reviewed manually
    PENDING = "pending"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


# (pattern, outcome, group name for staff) — OPPWA's documented regular expressions.
GROUPS: tuple[tuple[re.Pattern[str], Outcome, str], ...] = tuple(
    (re.compile(pattern), outcome, name)
    for pattern, outcome, name in (
        (r"^(000\.000\.|000\.100\.1|000\.[36]|000\.400\.[1][12]0)", Outcome.SUCCESS, "successful"),
        (r"^(000\.400\.0[^3]|000\.400\.100)", Outcome.REVIEW, "successful, review manually"),
        (r"^(000\.100\.2)", Outcome.SUCCESS, "chargeback"),
        (r"^(000\.200)", Outcome.PENDING, "pending"),
        (r"^(800\.400\.5|100\.400\.500)", Outcome.PENDING, "pending (may change in days)"),
        (r"^(900\.[1234]00|000\.400\.030)", Outcome.UNKNOWN, "communication error"),
        (r"^(800\.[56]|999\.|600\.1|800\.800\.[84])", Outcome.UNKNOWN, "system error"),
        (r"^(000\.400\.[1][0-9][1-9]|000\.400\.2)", Outcome.REJECTED, "rejected (3-D Secure)"),
        (r"^(800\.[17]00|800\.800\.[123])", Outcome.REJECTED, "rejected by the bank"),
        (r"^(100\.39[765])", Outcome.REJECTED, "rejected (asynchronous workflow)"),
        (r"^(300\.100\.100)", Outcome.REJECTED, "soft decline"),
        (
            r"^(100\.400\.[0-3]|100\.38|100\.370\.100|100\.370\.11)",
            Outcome.REJECTED,
            "rejected by external risk checks",
        ),
        (r"^(800\.400\.1)", Outcome.REJECTED, "rejected (address validation)"),
        (r"^(800\.400\.2|100\.390)", Outcome.REJECTED, "rejected (3-D Secure)"),
        (r"^(800\.[32])", Outcome.REJECTED, "rejected (blacklist)"),
        (r"^(800\.1[123456]0)", Outcome.REJECTED, "rejected by risk validation"),
        (r"^(600\.[23]|500\.[12]|800\.121)", Outcome.REJECTED, "refused (configuration)"),
        (r"^(700\.[1345][05]0)", Outcome.REJECTED, "refused (reference validation)"),
        (r"^(100\.|200\.|700\.|800\.900)", Outcome.REJECTED, "refused by validation"),
    )
)
SUCCESSFUL = frozenset({Outcome.SUCCESS, Outcome.REVIEW})
# A query by merchantTransactionId that finds nothing: OPPWA's "cannot find transaction".
NOT_FOUND_CODES = frozenset({"700.400.580"})


@dataclass(frozen=True)
class Classified:
    code: str
    description: str
    outcome: Outcome
    group: str

    @property
    def text(self) -> str:
        """ "000.100.110 Request successfully processed…" as staff read it."""
        return f"{self.code} {self.description}".strip()

    @property
    def message(self) -> str:
        """The sentence history and Transaction Details show."""
        if self.outcome in SUCCESSFUL:
            review = " (review manually)" if self.outcome == Outcome.REVIEW else ""
            return f"OPPWA result {self.text}{review}."
        return f"OPPWA {self.group}: {self.text.rstrip('.')}."


def classify(code: str, description: str = "") -> Classified:
    for pattern, outcome, name in GROUPS:
        if pattern.match(code):
            return Classified(code, description, outcome, name)
    return Classified(code, description, Outcome.REJECTED, "rejected")
