"""How a total reads on its own in a tile (the dashboard's counts): exact, estimated, or beyond
the bound, in the reader's locale."""

import pytest

from backoffice.counting import RowCount
from backoffice.display import displaying


@pytest.mark.parametrize(
    ("count", "locale", "figure"),
    [
        (RowCount(1234), "", "1,234"),
        (RowCount(1234), "de_DE", "1.234"),
        (RowCount(999_561, exact=False, estimated=True), "", "~999.6K"),
        (RowCount(10_001, exact=False, bound=10_000), "", "10,000+"),
    ],
)
def test_a_count_as_a_figure(count, locale, figure):
    with displaying(zone="", locale=locale):
        assert count.figure() == figure
