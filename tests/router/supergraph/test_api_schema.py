"""The API schema as clients see it, through introspection: no link spec's machinery, and only
the directive locations the GraphQL spec defines (issue 13 items 3 and 5)."""

import pytest
from graphql import ExecutionResult, experimental_execute_incrementally, get_introspection_query, parse

from router.schema_files import SUPERGRAPH
from router.supergraph import load_supergraph

SPEC_LOCATIONS = [
    "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD", "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION", "SCHEMA", "SCALAR", "OBJECT", "FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INTERFACE",
    "UNION", "ENUM", "ENUM_VALUE", "INPUT_OBJECT", "INPUT_FIELD_DEFINITION",
]

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


def graphql_sync(schema, query: str) -> ExecutionResult:
    """graphql-core runs a schema with @defer (the router serves it) only through this entry."""
    result = experimental_execute_incrementally(schema, parse(query))
    assert isinstance(result, ExecutionResult)
    return result


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
    assert sorted(d["name"] for d in schema["directives"]) == ["defer", "deprecated", "include", "oneOf",
                                                                       "skip", "specifiedBy"]


def test_directive_locations_are_the_spec_s():
    schema = _introspect(SUPERGRAPH.read_text())["__schema"]
    (location_enum,) = [t for t in schema["types"] if t["name"] == "__DirectiveLocation"]
    assert [v["name"] for v in location_enum["enumValues"]] == SPEC_LOCATIONS
    for directive in schema["directives"]:
        assert set(directive["locations"]) <= set(SPEC_LOCATIONS), directive["name"]


def test_the_location_enum_is_the_same_wherever_introspection_reaches_it():
    schema = load_supergraph(SUPERGRAPH.read_text()).api_schema
    result = graphql_sync(schema, """{
      __type(name: "__DirectiveLocation") { enumValues { name } }
      __schema { directives { name locations } }
      directive: __type(name: "__Directive") { fields { name type { ofType { ofType { ofType { enumValues { name } } } } } } }
    }""")
    assert result.errors is None, result.errors
    assert [v["name"] for v in result.data["__type"]["enumValues"]] == SPEC_LOCATIONS
    (locations,) = [f for f in result.data["directive"]["fields"] if f["name"] == "locations"]
    assert [v["name"] for v in locations["type"]["ofType"]["ofType"]["ofType"]["enumValues"]] == SPEC_LOCATIONS
    deprecated = next(d for d in result.data["__schema"]["directives"] if d["name"] == "deprecated")
    assert deprecated["locations"] == ["FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INPUT_FIELD_DEFINITION", "ENUM_VALUE"]
