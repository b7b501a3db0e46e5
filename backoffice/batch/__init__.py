"""The generic batch runner behind every batch command (it knows no order and no payment).

- `runner`: claim, process each item on its own, count, exit status (see its docstring for why a
  crashed run is simply run again and why several workers may run at once);
- `claims`: how a worker claims items (PostgreSQL advisory locks + `FOR UPDATE SKIP LOCKED`),
  and the redo-safe jobs' commits that don't wait for the disk;
- `console`: progress bar on a terminal, plain lines otherwise, the summary table;
- `progress`: a plain progress bar for commands that are not batch jobs (verify_ledger);
- `command`: the options every batch command shares (`--dry-run`, `--limit`, `--store`).

The jobs live with what they change: `orders.batch` (expire_authorizations,
capture_authorized), `payments.batch` (reconcile_payments, export_transactions).
"""
