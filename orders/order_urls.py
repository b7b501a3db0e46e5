"""An order's URLs (`orders:<name>` taking the order's number), each reversed once per name and
script prefix (`backoffice.url_patterns`). Order numbers are letters, digits, "-" and "_"
(`orders.models.Order`): nothing to quote."""

from backoffice.url_patterns import url_pattern


def order_url(name: str, number: str) -> str:
    """What `reverse(name, kwargs={"number": number})` gives."""
    return url_pattern(name, "number").format(number)
