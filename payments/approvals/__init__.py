"""Four-eyes approvals of refunds and Mark as paid (see `payments.approvals.services`)."""
