"""A local fake of OPPWA's REST API (ACI's Open Payment Platform) for the adapter's tests."""
