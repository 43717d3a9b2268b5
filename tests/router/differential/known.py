"""The differences between Graft and Apollo Gateway that are known, each with its reason.

APOLLO_WRONG: operations where Apollo Gateway answers wrong and Graft right. GRAFT_BUGS: Graft's
own, fixed elsewhere (issue 13); the test marks them strict xfail, so a fix fails the test until
its entry here goes. SCHEMA_DIFFERENCES: paths where the two full introspection results differ."""

from __future__ import annotations

_KEY_ALIAS = ("Apollo Gateway plans the key or @requires field under the response key the client gave another "
              "field, so one of the two answers the other's value (graphql-hive federation audit; Graft is right)")
_NO_SCOPES = ("Apollo Gateway does not implement @requiresScopes (it refuses a supergraph linking it `for: SECURITY`, "
              "so the test links it without): it sends the operation on, and the orders subgraph leaves this scope to "
              "the router. Graft enforces the supergraph's orders:read")
_DIRECTIVE_DEFINITION = ("graphql-js 16.15 under Apollo Gateway lists the experimental DIRECTIVE_DEFINITION location "
                         "(also on @deprecated); the spec has no such location (issue 13 item 5)")
_DEFER = ("Graft serves @defer (incremental delivery, multipart/mixed) and lists it; Apollo Gateway does not "
          "serve it, so its API schema has no @defer")
APOLLO_WRONG: dict[str, str] = {
    "alias_named_like_key": _KEY_ALIAS,
    "alias_named_like_required": _KEY_ALIAS,
    "alias_named_like_key_in_list": _KEY_ALIAS,
    "alias_named_like_required_in_list": _KEY_ALIAS,
    "alias_named_like_key_below_provides": _KEY_ALIAS,
    "me_orders_without_scope": _NO_SCOPES,
    "order_without_scope": _NO_SCOPES,
    "introspection_directive_locations": _DIRECTIVE_DEFINITION,
    "introspection_directives": _DIRECTIVE_DEFINITION + "; and " + _DEFER,
}

GRAFT_BUGS: dict[str, str] = {}  # none known

# Full introspection: where the two differ by path in the result, and why. The API schema itself
# (every type and directive clients use) must be equal; these are the two GraphQL libraries'
# own introspection types and built-in directives.
_NULLABILITY = ("graphql-core 3.3 declares it non-null with its default (as graphql-js 17 does); graphql-js 16.15 "
                "nullable, as in the October 2021 spec")
SCHEMA_DIFFERENCES: dict[str, str] = {
    "__schema.directives[defer]": _DEFER,
    "__schema.directives[deprecated].locations": _DIRECTIVE_DEFINITION,
    "__schema.types[__DirectiveLocation].enumValues[DIRECTIVE_DEFINITION]": _DIRECTIVE_DEFINITION,
    "__schema.directives[deprecated].args[reason].type": _NULLABILITY,
    **{f"__schema.types[{t}].fields[{f}].args[includeDeprecated].type": _NULLABILITY for t, f in (
        ("__Type", "fields"), ("__Type", "enumValues"), ("__Type", "inputFields"), ("__Field", "args"),
        ("__Directive", "args"))},
    "__schema.types[__Schema].fields[subscriptionType].description": "wording only (graphql-js: 'If this server support')",
    "__schema.types[__DirectiveLocation].enumValues[VARIABLE_DEFINITION].description": "wording only",
}
