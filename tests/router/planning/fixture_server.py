"""One real process serving every planner case's subgraphs at /<case>/<subgraph>/graphql,
each an ariadne federated schema over the case's data: `python -m tests.router.planning.fixture_server PORT`."""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web
from ariadne import InterfaceType, ObjectType, UnionType, graphql
from ariadne.contrib.federation import FederatedObjectType, make_federated_schema
from graphql import InterfaceTypeDefinitionNode, ObjectTypeDefinitionNode, UnionTypeDefinitionNode, parse

from tests.router.planning.cases import CASES, Subgraph


def _bindables(subgraph: Subgraph, state: dict) -> list[Any]:
    document = parse(subgraph.sdl)
    bindables: list[Any] = []
    for definition in document.definitions:
        if isinstance(definition, (InterfaceTypeDefinitionNode, UnionTypeDefinitionNode)):
            kind = InterfaceType if isinstance(definition, InterfaceTypeDefinitionNode) else UnionType
            bindables.append(kind(definition.name.value, lambda obj, *_: obj.get("__typename")))
        if isinstance(definition, ObjectTypeDefinitionNode):
            name = definition.name.value
            entity = any(d.name.value == "key" for d in definition.directives or ())
            bindable = FederatedObjectType(name) if entity else ObjectType(name)
            if entity:
                bindable.reference_resolver(_reference(name, subgraph))
            for field_name, fn in subgraph.resolvers.items():
                type_name, _, field = field_name.partition(".")
                if type_name == name:
                    bindable.set_field(field, _resolver(fn, state))
            bindables.append(bindable)
    return bindables


def _reference(type_name: str, subgraph: Subgraph):
    def resolve(_: Any, __: Any, representation: dict) -> Any:
        stored = subgraph.entities.get(type_name)
        if stored is None:
            return dict(representation)  # nothing stored: the representation is the object
        for obj in stored:
            given = {k: v for k, v in representation.items() if k in obj and not isinstance(v, (dict, list))}
            if given and all(obj[k] == v for k, v in given.items()):
                return {**obj, **{k: v for k, v in representation.items() if k not in obj}}
        return None

    return resolve


def _resolver(fn, state: dict):
    def resolve(obj: Any, info: Any, **args: Any) -> Any:
        return fn(obj, args, state)

    return resolve


def build_app() -> web.Application:
    app = web.Application()
    for case_name, subgraphs in CASES.items():
        for name, subgraph in subgraphs.items():
            state: dict = {}
            schema = make_federated_schema(subgraph.sdl, *_bindables(subgraph, state))
            app.router.add_post(f"/{case_name}/{name}/graphql", _handler(schema))
    app.router.add_get("/health", lambda _: web.json_response({"status": "ok"}))
    return app


def _handler(schema):
    async def handle(request: web.Request) -> web.Response:
        _, result = await graphql(schema, await request.json())
        return web.json_response(result)

    return handle


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=int(sys.argv[-1]), print=None)
