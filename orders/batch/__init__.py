"""The order batch jobs, on the generic runner of `backoffice.batch`.

- `expiry` (expire_authorizations; `expiry_chunk` settles a chunk at once, `expiry_documents`
  cancels what an order with nothing captured leaves open); `expiring` says what has expired or
  soon will, for the job and for the dashboard;
- `capture` (capture_authorized; `capture_chunk` settles a chunk at once).
"""
