"""Saved views of the order and transaction grids: a person's named filters, sort, page size
and columns; one may be their default, and managers may share one with everyone."""
