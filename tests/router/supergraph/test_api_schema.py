"""The API schema as clients see it, through introspection: no link spec's machinery (issue 13 item 3)."""

import pytest
from graphql import get_introspection_query, graphql_sync

from router.schema_files import SUPERGRAPH
from router.supergraph import load_supergraph

# More link specs than our own supergraph uses: @policy, a spec renamed with `as:`, imported names.
MORE_LINKS = '''
  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)
  @link(url: "https://specs.apollo.dev/federation/v2.7", as: "fed", import: [{name: "@shareable", as: "@shared"}, "Scope"])
'''
MORE_DEFINITIONS = '''
directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
scalar policy__Policy
directive @fed__hint(text: fed__Text) on FIELD | FIELD_DEFINITION
directive @shared on FIELD | OBJECT
scalar fed__Text
scalar Scope
'''


def _introspect(sdl: str) -> dict:
    result = graphql_sync(load_supergraph(sdl).api_schema, get_introspection_query(
        descriptions=True, specified_by_url=True, directive_is_repeatable=True, input_value_deprecation=True))
    assert result.errors is None, result.errors
    return result.data


def _with_more_links(sdl: str) -> str:
    head, brace, rest = sdl.partition("\n{\n")
    return head + MORE_LINKS.rstrip("\n") + brace + rest + MORE_DEFINITIONS


@pytest.mark.parametrize("sdl", [SUPERGRAPH.read_text(), _with_more_links(SUPERGRAPH.read_text())],
                         ids=["ours", "more links"])
def test_no_link_spec_type_or_directive_reaches_clients(sdl):
    schema = _introspect(sdl)["__schema"]
    leaked = [t["name"] for t in schema["types"] if "__" in t["name"][2:] or t["name"] == "Scope"]
    assert leaked == []  # requiresScopes__Scope, policy__Policy, join__*, link__*, fed__Text, Scope
    assert sorted(d["name"] for d in schema["directives"]) == ["deprecated", "include", "oneOf", "skip", "specifiedBy"]
