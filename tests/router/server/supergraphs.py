"""Hand-written Federation 2 supergraphs over the tiny subgraph."""

from __future__ import annotations

HEADER = """schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet
scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}

enum join__Graph {
  TINY @join__graph(name: "tiny", url: "%(url)s")
}
"""


def supergraph(url: str, fields: tuple[str, ...] = ("hello(name: String!): String!", "slow(seconds: Float!): String!", "pid: Int!")) -> str:
    body = "\n".join(f"  {field}" for field in fields)
    return HEADER % {"url": url} + f"\ntype Query @join__type(graph: TINY) {{\n{body}\n}}\n"


V1 = ("hello(name: String!): String!", "slow(seconds: Float!): String!", "pid: Int!")
V2 = (*V1, "greeting: String!")
