from dataclasses import dataclass

from subgraphs.common.relay import decode_cursor, encode_cursor
from subgraphs.common.strawberry_types import connection


@dataclass
class Row:
    id: int


def test_a_page_of_size_plus_one_rows_says_there_is_a_next_page():
    page = connection("order", [Row(9), Row(7), Row(4)], 2, encode_cursor("order", 10), 30, lambda r: r.id * 10)
    assert [e.node for e in page.edges] == [90, 70] and page.total_count == 30
    assert [decode_cursor("order", e.cursor) for e in page.edges] == [9, 7]
    info = page.page_info
    assert info.has_next_page and info.has_previous_page
    assert (info.start_cursor, info.end_cursor) == (page.edges[0].cursor, page.edges[-1].cursor)


def test_the_last_and_an_empty_page():
    last = connection("product", [Row(1)], 2, None, 1, lambda r: r)
    assert not last.page_info.has_next_page and not last.page_info.has_previous_page
    empty = connection("product", [], 2, None, 0, lambda r: r)
    assert empty.edges == [] and empty.page_info.start_cursor is None and empty.page_info.end_cursor is None
