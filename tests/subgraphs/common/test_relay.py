import pytest

from subgraphs.common.relay import CursorError, decode_cursor, encode_cursor, page_size


def test_cursor_round_trip_and_kind_check():
    cursor = encode_cursor("product", 42)
    assert decode_cursor("product", cursor) == 42
    with pytest.raises(CursorError):
        decode_cursor("order", cursor)
    with pytest.raises(CursorError):
        decode_cursor("product", "not-base64!!")


def test_page_size_bounds():
    assert page_size(None) == 20
    assert page_size(100) == 100
    for bad in (0, -1, 101):
        with pytest.raises(ValueError):
            page_size(bad)
