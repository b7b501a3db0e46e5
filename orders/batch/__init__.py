"""The order batch jobs, on the generic runner of `backoffice.batch`.

- `expiry` (expire_authorizations; `expiry_chunk` settles a chunk at once, `expiry_plan` holds
  what both paths decide and share, `expiry_documents` cancels what an order with nothing
  captured leaves open); `expiring` says what has expired or soon will, for the job and for the
  dashboard;
- `capture` (capture_authorized; `capture_chunk` settles a chunk at once, `capture_results`
  holds what both paths take and report).

A job imports its chunk module; a chunk module knows the job only by the few methods it calls
(a `typing.Protocol`), never by its class.
"""
