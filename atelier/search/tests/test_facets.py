"""Page arithmetic and bit-set counts shared by every result list."""

import pytest

from atelier.search.facets import PageWindow, bits_of_masks


@pytest.mark.parametrize(
    ("total", "page", "expected"),
    [
        (0, 1, (1, 1, 0, 0)),
        (45, 1, (1, 3, 45, 0)),
        (45, 3, (3, 3, 45, 40)),
        (45, 9, (3, 3, 45, 40)),  # past the end: the last page
        (5000, 80, (50, 50, 1000, 980)),  # deep pages are capped
    ],
)
def test_page_window(total, page, expected):
    w = PageWindow.of(total, page, 20, 1000)
    assert (w.page, w.num_pages, w.browsable, w.start) == expected


def test_counts_by_bit_from_counts_by_mask():
    assert sorted(bits_of_masks([(0b101, 2), (0b100, 3), (0, 7)])) == [(0, 2), (2, 5)]
