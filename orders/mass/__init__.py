"""Mass actions on the order grid: Hold, Unhold, Cancel, Capture, Print invoices, Export CSV.

Each runs as a background job (`backoffice.jobs`) over the rows selected on a page or over
"all N matching this filter" (the job keeps the grid's filter and resolves the rows in the
task, a chunk at a time). Each row is decided as its button decides it (`orders.operations`,
the order's own store's permissions): a row the user may not act on is skipped "not
permitted", one the registry refuses is skipped with its reason, a declined capture fails
with the gateway's reason. Every row's service is idempotent under a key made of the job and
the order, so a resumed job never does a row twice.
"""
