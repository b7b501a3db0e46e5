"""Batch jobs run as management commands: one runner, four jobs.

- `runner`: claim, process each item on its own, count, exit status (see its docstring for why a
  crashed run is simply run again and why several workers may run at once);
- `claims`: how a worker claims items (PostgreSQL advisory locks + `FOR UPDATE SKIP LOCKED`),
  and the redo-safe jobs' commits that don't wait for the disk;
- `console`: progress bar on a terminal, plain lines otherwise, the summary table;
- `command`: the options every batch command shares (`--dry-run`, `--limit`, `--store`);
- the jobs: `expiry` (expire_authorizations; `expiring` says what has expired or soon will,
  for it and for the dashboard), `capture` (capture_authorized), `reconcile`
  (reconcile_payments), `export` (export_transactions, a streamed read).
"""
