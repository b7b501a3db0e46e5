"""The invoice's and the credit memo's own totals: one label and one explanation each, shown on
hover next to the figure (`{% figure %}`, `orders.templatetags.figures`). The order's figures
(Total Paid, Total Due, Outstanding…) are `payments.figures`.

Paid and Refunded of an invoice are the recompute's (`orders.services.invoice_recompute`),
Amount Due is `Invoice.amount_due`; a memo's Refunded is its successful refunds.
"""

from payments.figures import Figure

DOCUMENT_FIGURES: dict[str, Figure] = {
    "invoice_grand_total": Figure(
        "Grand Total", "This invoice's total: its items, shipping and tax, less discounts."
    ),
    "invoice_paid": Figure(
        "Paid", "Money captured for this invoice, online or offline; refunds are shown apart."
    ),
    "invoice_refunded": Figure(
        "Refunded", "Money given back against this invoice through its credit memos."
    ),
    "invoice_due": Figure(
        "Amount Due",
        "What this invoice still waits for: Grand Total less Paid; nothing once canceled.",
    ),
    "memo_grand_total": Figure(
        "Grand Total",
        "What this credit memo gives back: items, shipping, adjustments and tax, "
        "less fees and discounts.",
    ),
    "memo_refunded": Figure(
        "Refunded", "What went back to the customer for this credit memo, online or offline."
    ),
    "memo_pending": Figure(
        "Waiting for the gateway",
        "Refunds of this memo sent to the gateway, answer not in yet: the amount stays reserved.",
    ),
}
