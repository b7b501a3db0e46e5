"""One audit stream (issue 16, PCI DSS 4.0 req. 10): who did what, when, from where, with
which outcome. Append-only like the ledger (PostgreSQL triggers). Write with
`backoffice.audit.events.record_event`; nothing else writes `AuditEvent`."""
