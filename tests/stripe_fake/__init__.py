"""A local fake of Stripe's HTTP API for the adapter's tests (see server.py)."""
