"""The document stage's hard ceilings: each refusal comes before the step it protects (the
parser, validation), is a GraphQL request error naming the limit, and is never cached; the
cache itself is keyed by digest and bounded by the memory it holds."""

from __future__ import annotations

import pytest
from graphql import build_schema, parse

import router.pipeline.document as document_module
from router.features.limits import _Fragments, _walk, measure
from router.pipeline.document import DocumentCache, select_operation
from router.pipeline.document_limits import DOCUMENT_LIMIT_CODE, DocumentLimits, TierTokens, count_tokens
from router.pipeline.request import DocumentError
from router.supergraph.cost import CostDirectives

SCHEMA = build_schema("""
type Query { a: Int  b(x: Int): Int  t: T  product(id: ID!): T }
type T { a: Int  b: Int  t: T }
""")


def many_operations(count: int) -> str:
    return "".join(f"query Q{n} {{ __typename }} " for n in range(count))


def conflicting_aliases(count: int) -> str:
    return "{ " + " ".join(f"x: b(x: {n})" for n in range(count)) + " }"


def fan_out(levels: int) -> str:
    """Each fragment spreads the next twice: a few hundred bytes, 2^levels fields expanded."""
    fragments = [f"fragment F{n} on T {{ t {{ ...F{n + 1} }} x: t {{ ...F{n + 1} }} }}" for n in range(levels)]
    return "{ t { ...F0 } }\n" + "\n".join(fragments) + f"\nfragment F{levels} on T {{ a }}"


def refusal(cache: DocumentCache, query: str) -> dict:
    with pytest.raises(DocumentError) as raised:
        cache.prepare(query, None)
    [error] = raised.value.graphql_errors
    assert error.extensions and error.extensions["code"] == DOCUMENT_LIMIT_CODE, error
    return {"message": error.message, **error.extensions}


@pytest.fixture
def no_parse(monkeypatch):
    def parse_called(*args, **kwargs):
        raise AssertionError("the document was parsed")
    monkeypatch.setattr(document_module, "parse", parse_called)


@pytest.fixture
def no_validate(monkeypatch):
    def validate_called(*args, **kwargs):
        raise AssertionError("the document was validated")
    monkeypatch.setattr(document_module, "validate", validate_called)


def test_a_document_over_max_bytes_is_refused_before_the_lexer(no_parse):
    cache = DocumentCache(SCHEMA, limits=DocumentLimits(max_bytes=1000))
    refused = refusal(cache, many_operations(66_000))
    assert refused["limit"] == "max_document_bytes" and refused["maximum"] == 1000
    assert refused["measured"] == len(many_operations(66_000).encode())
    assert len(cache) == 0


def test_a_document_over_max_tokens_is_refused_before_the_parser(no_parse):
    cache = DocumentCache(SCHEMA, limits=DocumentLimits(max_bytes=3_000_000, max_tokens=15_000))
    refused = refusal(cache, many_operations(66_000))
    assert refused["limit"] == "max_document_tokens" and "more than 15000 tokens" in refused["message"]
    assert "measured" not in refused  # the lexer stopped at the ceiling: the real count is unknown
    assert len(cache) == 0


def test_the_token_count_stops_just_past_the_ceiling():
    assert count_tokens(many_operations(1000)) == 5000
    assert count_tokens(many_operations(1000), stop_after=10) == 11
    assert count_tokens("# a comment\n{ a }") == 3


def test_conflicting_aliases_are_refused_before_validation(no_validate):
    cache = DocumentCache(SCHEMA, limits=DocumentLimits(max_bytes=1_000_000, max_tokens=100_000))
    refused = refusal(cache, conflicting_aliases(3000))
    assert refused["limit"] == "max_field_merges" and refused["maximum"] == 1000


def test_merges_count_sub_selections_of_same_named_fields(no_validate):
    cache = DocumentCache(SCHEMA, limits=DocumentLimits(max_field_merges=100))
    refused = refusal(cache, "{ " + " ".join("t { a b }" for _ in range(20)) + " }")
    assert refused["limit"] == "max_field_merges"  # 190 pairs of t, and as many of t.a and of t.b


def test_fragments_spread_inside_fragments_are_bounded_before_validation(no_validate):
    cache = DocumentCache(SCHEMA)
    refused = refusal(cache, fan_out(40))
    assert refused["limit"] == "max_document_fields" and refused["maximum"] == 5000


def test_documents_under_the_ceilings_validate_as_before():
    cache = DocumentCache(SCHEMA, limits=DocumentLimits(max_field_merges=3))
    prepared = cache.prepare("{ t { a } t { b } a: a ...F } fragment F on Query { a }", None)
    assert prepared.tokens == 22 and prepared.name is None
    with pytest.raises(DocumentError) as raised:
        cache.prepare("{ x: a x: b }", None)  # a real conflict is still validation's own error
    assert "conflict" in raised.value.graphql_errors[0].message
    with pytest.raises(DocumentError) as cyclic:
        cache.prepare("{ t { ...F } } fragment F on T { t { ...F } }", None)
    assert "Cannot spread fragment 'F' within itself" in cyclic.value.graphql_errors[0].message


def test_the_cache_is_keyed_by_digest_and_bounded_by_the_memory_held():
    limits = DocumentLimits(cache_entries=1000, cache_bytes=400_000)
    cache = DocumentCache(SCHEMA, limits=limits)
    for n in range(200):
        cache.prepare(f"# padding {n} {'x' * 20_000}\n{{ a }}", None)
        assert cache.weight <= limits.cache_bytes
    assert 0 < len(cache) < 200
    assert all(isinstance(key, bytes) and len(key) == 32 for key in cache._entries)
    first, last = "# padding 0 " + "x" * 20_000 + "\n{ a }", f"# padding 199 {'x' * 20_000}\n{{ a }}"
    assert cache.prepare(last, None).document is cache.prepare(last, None).document  # still cached
    assert cache.prepare(first, None) is not None  # evicted, prepared again


def test_errors_are_cached_but_limit_refusals_are_not():
    cache = DocumentCache(SCHEMA, limits=DocumentLimits(max_tokens=5))
    with pytest.raises(DocumentError):
        cache.prepare("{ nope }", None)
    assert len(cache) == 1
    refusal(cache, "{ a b c d e }")
    assert len(cache) == 1


def test_choosing_among_many_operations_names_only_a_few():
    with pytest.raises(DocumentError) as raised:
        select_operation(parse(many_operations(500)), None)
    message = raised.value.graphql_errors[0].message
    assert message.startswith("The document holds 500 operations (Q0, Q1,") and len(message) < 200


def test_limits_measure_fragment_fan_out_without_walking_every_path():
    document = parse(fan_out(40))
    fragments = _Fragments({d.name.value: d for d in document.definitions[1:]})
    assert _walk(document.definitions[0].selection_set, fragments, 1) == (42, 2**40 - 1)
    small = parse(fan_out(3))
    measured = measure(SCHEMA, CostDirectives(), "", small.definitions[0],
                       {d.name.value: d for d in small.definitions[1:]}, {}, tokens=7)
    assert (measured.depth, measured.aliases, measured.root_fields, measured.tokens) == (5, 7, 1, 7)


def test_a_document_over_the_callers_tier_maximum_is_refused_before_the_parser(no_parse):
    cache = DocumentCache(SCHEMA)
    with pytest.raises(DocumentError) as raised:
        cache.prepare(many_operations(2000), None, TierTokens(5000, "anonymous"))
    [error] = raised.value.graphql_errors
    assert error.message == "Operation tokens exceed the maximum of 5000 (max_tokens, tier 'anonymous')."
    assert error.extensions == {"code": "OPERATION_LIMIT_EXCEEDED", "limit": "max_tokens", "maximum": 5000}
    assert len(cache) == 0
