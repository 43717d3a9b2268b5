"""Two real federated subgraphs on one aiohttp test server, for entity cache tests: `lists`
returns Item references, `items` resolves them through `_entities` with whatever Cache-Control
the test sets, counting every representation it is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from ariadne import ObjectType, graphql
from ariadne.contrib.federation import FederatedObjectType, make_federated_schema

from router.composition import SubgraphSource, compose

FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n'
LISTS_SDL = FED + 'type Query { items(ids: [ID!]!): [Item!]! }\ntype Item @key(fields: "id") { id: ID! }'
ITEMS_SDL = FED + 'type Query { ping: Int }\ntype Item @key(fields: "id") { id: ID! name: String owner: String }'


@dataclass
class ItemsState:
    cache_control: str | None = "public, max-age=60"
    sent: list[list[str]] = field(default_factory=list)  # ids per _entities request
    names: dict[str, str] = field(default_factory=dict)  # overrides of "item <id>"


def _lists_schema() -> Any:
    query = ObjectType("Query")
    query.set_field("items", lambda _, __, ids: [{"id": i} for i in ids])
    return make_federated_schema(LISTS_SDL, query)


def _items_schema(state: ItemsState) -> Any:
    item = FederatedObjectType("Item")

    @item.reference_resolver
    def resolve(_: Any, info: Any, representation: dict) -> dict:
        item_id = representation["id"]
        if item_id == "boom":  # fails the whole _entities field: an error with no entity index
            raise ValueError("boom")
        owner = info.context["request"].headers.get("Authorization")
        return {"id": item_id, "name": state.names.get(item_id, f"item {item_id}"), "owner": owner}

    @item.field("name")
    def name(obj: dict, _: Any) -> str:
        if obj["id"] == "bad":
            raise ValueError("no such item")
        return obj["name"]

    return make_federated_schema(ITEMS_SDL, item)


def _handler(schema: Any, state: ItemsState | None = None):
    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        lists = [value for value in (body.get("variables") or {}).values()  # one per _entities field
                 if isinstance(value, list) and all(isinstance(rep, dict) and "__typename" in rep for rep in value)]
        if state is not None and lists:
            state.sent.append([rep["id"] for reps in lists for rep in reps])
        _, result = await graphql(schema, body, context_value={"request": request})
        headers = {"Cache-Control": state.cache_control} if state and state.cache_control else {}
        return web.json_response(result, headers=headers)

    return handle


async def start(state: ItemsState) -> tuple[TestServer, str]:
    """The server and the supergraph composed over it."""
    app = web.Application()
    app.router.add_post("/lists/graphql", _handler(_lists_schema()))
    app.router.add_post("/items/graphql", _handler(_items_schema(state), state))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    sdl = compose([SubgraphSource("lists", f"{base}/lists/graphql", LISTS_SDL),
                   SubgraphSource("items", f"{base}/items/graphql", ITEMS_SDL)])
    return server, sdl
