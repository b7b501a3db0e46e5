"""The payment batch jobs, on the generic runner of `backoffice.batch`: `reconcile`
(reconcile_payments) and `export` (export_transactions, a streamed read)."""
