import pytest

from graphql import GraphQLError

from subgraphs.common.relay import CursorError, decode_cursor, encode_cursor, page_args, page_size


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


def test_page_args_start_without_a_cursor_and_refuse_bad_input():
    assert page_args("order", None, None, start=99) == (20, 99)
    assert page_args("order", 5, encode_cursor("order", 42), start=99) == (5, 42)
    for first, after in ((0, None), (5, encode_cursor("product", 1)), (5, "junk")):
        with pytest.raises(GraphQLError) as caught:
            page_args("order", first, after, start=99)
        assert caught.value.extensions == {"code": "BAD_USER_INPUT"}
