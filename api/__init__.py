"""The storefront order API (`/api/v1/`) and its per-store tokens: the top layer, on orders."""
