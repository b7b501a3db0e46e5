"""Order import (JSON Lines): `records` validates one line, `orders.services.importing` writes."""
