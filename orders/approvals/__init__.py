"""Four-eyes approvals of refunds and Mark as paid (see `orders.approvals.services`)."""
