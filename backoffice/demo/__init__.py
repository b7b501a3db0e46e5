"""Demo and benchmark data for `seed_demo` (see `backoffice.demo.seed`)."""
