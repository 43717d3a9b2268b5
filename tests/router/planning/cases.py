"""Small subgraph sets, one per planner feature: SDL plus the data the fixture server answers with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: [{imports}])\n'


def sdl(imports: str, body: str) -> str:
    return FED.format(imports=", ".join(f'"@{i}"' for i in imports.split())) + body


@dataclass
class Subgraph:
    sdl: str
    entities: dict[str, list[dict]] = field(default_factory=dict)
    resolvers: dict[str, Callable[[Any, dict, dict], Any]] = field(default_factory=dict)


PRODUCTS = [{"upc": "1", "name": "Table", "weight": 10}, {"upc": "2", "name": "Chair", "weight": 4}]

BATCH_USERS = [{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Bob"}]
BATCH_REVIEWS = [
    {"body": "Sturdy", "stars": 5, "author": {"id": "u1"}, "product": {"upc": "1"}},
    {"body": "Wobbly", "stars": 2, "author": {"id": "u2"}, "product": {"upc": "1"}},
    {"body": "Comfy", "stars": None, "author": {"id": "u1"}, "product": {"upc": "2"}},
]


def _rating(review: dict, *_: Any) -> int:
    if review["stars"] is None:
        raise ValueError("rating unavailable")
    return review["stars"]


CASES: dict[str, dict[str, Subgraph]] = {
    # an entity jump through a key
    "entity_jump": {
        "products": Subgraph(
            sdl("key", "type Query { topProducts: [Product!]! }\n"
                       "type Product @key(fields: \"upc\") { upc: String! name: String! }"),
            entities={"Product": PRODUCTS},
            resolvers={"Query.topProducts": lambda *_: PRODUCTS},
        ),
        "reviews": Subgraph(
            sdl("key", "type Product @key(fields: \"upc\") { upc: String! reviews: [Review!]! }\n"
                       "type Review { body: String! }"),
            entities={"Product": [{"upc": "1", "reviews": [{"body": "Sturdy"}]}, {"upc": "2", "reviews": []}]},
        ),
    },
    # two keys: the jump uses the one the other subgraph resolves
    "two_keys": {
        "accounts": Subgraph(
            sdl("key", "type Query { users: [User!]! }\n"
                       "type User @key(fields: \"id\") @key(fields: \"login\") { id: ID! login: String! name: String! }"),
            entities={"User": [{"id": "u1", "login": "ada", "name": "Ada"}]},
            resolvers={"Query.users": lambda *_: [{"id": "u1", "login": "ada", "name": "Ada"}]},
        ),
        "karma": Subgraph(
            sdl("key", "type User @key(fields: \"login\") { login: String! karma: Int! }"),
            entities={"User": [{"login": "ada", "karma": 42}]},
        ),
    },
    # @requires: the required field travels in the representation
    "requires": {
        "products": Subgraph(
            sdl("key", "type Query { products: [Product!]! }\n"
                       "type Product @key(fields: \"upc\") { upc: String! weight: Int! }"),
            entities={"Product": PRODUCTS},
            resolvers={"Query.products": lambda *_: PRODUCTS},
        ),
        "shipping": Subgraph(
            sdl("key external requires",
                "type Product @key(fields: \"upc\") { upc: String! weight: Int! @external\n"
                "  shippingEstimate: Int! @requires(fields: \"weight\") }"),
            resolvers={"Product.shippingEstimate": lambda obj, *_: obj["weight"] * 2},
        ),
    },
    # @provides: a field made local on one path, no jump needed there
    "provides": {
        "reviews": Subgraph(
            sdl("key external provides",
                "type Query { reviews: [Review!]! }\n"
                "type Review { body: String! author: User! @provides(fields: \"name\") }\n"
                "type User @key(fields: \"id\") { id: ID! name: String! @external }"),
            resolvers={"Query.reviews": lambda *_: [{"body": "Great", "author": {"id": "u1", "name": "Ada (cached)"}}]},
        ),
        "users": Subgraph(
            sdl("key shareable", "type Query { user(id: ID!): User }\n"
                                 "type User @key(fields: \"id\") { id: ID! name: String! @shareable email: String! }"),
            entities={"User": [{"id": "u1", "name": "Ada", "email": "ada@example.com"}]},
            resolvers={"Query.user": lambda _, args, __: {"id": args["id"], "name": "Ada", "email": "ada@example.com"}},
        ),
    },
    # an interface whose implementations get fields from another subgraph
    "abstract": {
        "media": Subgraph(
            sdl("key", "type Query { media: [Media!]! }\n"
                       "interface Media { id: ID! title: String! }\n"
                       "type Book implements Media @key(fields: \"id\") { id: ID! title: String! }\n"
                       "type Film implements Media @key(fields: \"id\") { id: ID! title: String! }"),
            resolvers={"Query.media": lambda *_: [{"__typename": "Book", "id": "b1", "title": "Dune"},
                                                  {"__typename": "Film", "id": "f1", "title": "Alien"}]},
        ),
        "details": Subgraph(
            sdl("key", "type Book @key(fields: \"id\") { id: ID! pages: Int! }"),
            entities={"Book": [{"id": "b1", "pages": 412}]},
        ),
    },
    # @interfaceObject: a subgraph that knows the interface only as an object
    "interface_object": {
        "media": Subgraph(
            sdl("key", "type Query { media: [Media!]! }\n"
                       "interface Media @key(fields: \"id\") { id: ID! title: String! }\n"
                       "type Book implements Media @key(fields: \"id\") { id: ID! title: String! }"),
            entities={"Book": [{"__typename": "Book", "id": "b1", "title": "Dune"}],
                      "Media": [{"__typename": "Book", "id": "b1", "title": "Dune"}]},
            resolvers={"Query.media": lambda *_: [{"__typename": "Book", "id": "b1", "title": "Dune"}]},
        ),
        "ratings": Subgraph(
            sdl("key interfaceObject", "type Media @key(fields: \"id\") @interfaceObject { id: ID! stars: Int! }"),
            entities={"Media": [{"id": "b1", "stars": 5}]},
        ),
    },
    # @override: the field moved to another subgraph, which now resolves it
    "override": {
        "old": Subgraph(
            sdl("key", "type Query { products: [Product!]! }\n"
                       "type Product @key(fields: \"upc\") { upc: String! price: Int! }"),
            entities={"Product": [{"upc": "1", "price": 1}]},
            resolvers={"Query.products": lambda *_: [{"upc": "1", "price": 1}]},
        ),
        "new": Subgraph(
            sdl("key override", "type Product @key(fields: \"upc\") { upc: String! price: Int! @override(from: \"old\") }"),
            entities={"Product": [{"upc": "1", "price": 100}]},
        ),
    },
    # mutations run in order, each after the one before
    "mutations": {
        "counter": Subgraph(
            sdl("shareable", "type Query { value: Int! }\ntype Mutation { add(by: Int!): Int! }"),
            resolvers={
                "Query.value": lambda _, __, state: state.get("value", 0),
                "Mutation.add": lambda _, args, state: state.update(value=state.get("value", 0) + args["by"]) or state["value"],
            },
        ),
        "doubler": Subgraph(
            sdl("shareable", "type Mutation { double: Int! }"),
            resolvers={"Mutation.double": lambda _, __, state: state.update(n=state.get("n", 1) * 2) or state["n"]},
        ),
    },
    # mutation root fields with entity jumps below: each completes, jumps and all, before the next
    "mutation_entities": {
        "shop": Subgraph(
            sdl("key", "type Query { stockOf(id: ID!): Int }\n"
                       "type Mutation { createProduct(id: ID!, stock: Int!): Product! "
                       "adjustStock(id: ID!, delta: Int!): Product! }\n"
                       "type Product @key(fields: \"id\") { id: ID! stock: Int! }"),
            resolvers={
                "Query.stockOf": lambda _, args, state: state.get(args["id"]),
                "Mutation.createProduct": lambda _, args, state: state.update({args["id"]: args["stock"]})
                or {"id": args["id"]},
                "Mutation.adjustStock": lambda _, args, state: state.update({args["id"]: state[args["id"]] + args["delta"]})
                or {"id": args["id"]},
                "Product.stock": lambda product, _, state: state[product["id"]],
            },
        ),
        "orders": Subgraph(
            sdl("key", "type Mutation { placeOrder(productId: ID!, quantity: Int!): Order! }\n"
                       "type Order { quantity: Int! product: Product! }\n"
                       "type Product @key(fields: \"id\", resolvable: false) { id: ID! }"),
            resolvers={"Mutation.placeOrder": lambda _, args, __: {"quantity": args["quantity"],
                                                                   "product": {"id": args["productId"]}}},
        ),
    },
    # a shared root field over a type without keys: each subgraph answers its part
    "shared_root": {
        "names": Subgraph(
            sdl("shareable", "type Query { product: Product @shareable }\n"
                             "type Product @shareable { id: ID! name: String! }"),
            resolvers={"Query.product": lambda *_: {"id": "1", "name": "Table"}},
        ),
        "prices": Subgraph(
            sdl("shareable", "type Query { product: Product @shareable }\n"
                             "type Product @shareable { id: ID! price: Int! }"),
            resolvers={"Query.product": lambda *_: {"id": "1", "price": 30}},
        ),
    },
    # entities whose key comes back null are not sent to the next subgraph
    "null_keys": {
        "catalog": Subgraph(
            sdl("key", "type Query { items: [Item!]! }\n"
                       "type Item { label: String! product: Product }\n"
                       "type Product @key(fields: \"upc\") { upc: String }"),
            resolvers={"Query.items": lambda *_: [{"label": "a", "product": {"upc": "1"}},
                                                  {"label": "b", "product": {"upc": None}}]},
        ),
        "stock": Subgraph(
            sdl("key", "type Product @key(fields: \"upc\") { upc: String inStock: Boolean }"),
            entities={"Product": [{"upc": "1", "inStock": True}]},
        ),
    },
    # sibling fragments returning one response key with different types (ID! and ID)
    "type_mismatch": {
        "accounts": Subgraph(
            sdl("key", "type Query { accounts: [Account!]! }\nunion Account = User | Admin\n"
                       "type User @key(fields: \"id\") { id: ID! name: String }\n"
                       "type Admin { id: ID name: String }"),
            resolvers={"Query.accounts": lambda *_: [{"__typename": "User", "id": "u1", "name": "Ada"},
                                                     {"__typename": "Admin", "id": "a1", "name": "Root"}]},
        ),
        "karma": Subgraph(
            sdl("key", "type User @key(fields: \"id\") { id: ID karma: Int! }"),  # so the API's User.id is ID
            entities={"User": [{"id": "u1", "karma": 7}]},
        ),
    },
    # a key-less child split over two subgraphs reached through its parent entity, whose
    # key those subgraphs mark @external (they get it in the representation)
    "key_less_parent": {
        "d": Subgraph(
            sdl("key", "type Query { product: Product }\ntype Product @key(fields: \"id\") { id: ID name: String }"),
            entities={"Product": [{"id": "1", "name": "Table"}]},
            resolvers={"Query.product": lambda *_: {"id": "1", "name": "Table"}},
        ),
        "a": Subgraph(
            sdl("key external shareable",
                "type Product @key(fields: \"id\") { id: ID @external category: Category @shareable }\n"
                "type Category { details: String }"),
            entities={"Product": [{"id": "1", "category": {"details": "Oak"}}]},
        ),
        "b": Subgraph(
            sdl("key external shareable",
                "type Product @key(fields: \"id\") { id: ID @external category: Category @shareable }\n"
                "type Category { id: ID @shareable }"),
            entities={"Product": [{"id": "1", "category": {"id": "3"}}]},
        ),
        "c": Subgraph(
            sdl("key", "type Category @key(fields: \"id\") { id: ID name: String }"),
            entities={"Category": [{"id": "3", "name": "Furniture"}]},
        ),
    },
    # an interface object answered with the interface's own fields: no jump for a __typename
    "interface_object_fields": {
        "nodes": Subgraph(
            sdl("key", "type Query { node: Node }\ninterface Node @key(fields: \"id\") { id: ID! }"),
            resolvers={"Query.node": lambda *_: None},
        ),
        "fields": Subgraph(
            sdl("key interfaceObject",
                "type Query { b: Node }\n"
                "type Node @key(fields: \"id\", resolvable: false) @interfaceObject { id: ID! field: String }"),
            resolvers={"Query.b": lambda *_: {"__typename": "Node", "id": "n1", "field": "foo"}},
        ),
    },
    # a union below an entity's shareable field: only members every candidate subgraph has
    "partial_union": {
        "a": Subgraph(
            sdl("key shareable",
                "type Query { rootA: Container }\n"
                "type Container @key(fields: \"id\") { id: ID! wrapper: Wrapper @shareable }\n"
                "type Wrapper @shareable { actions: [Action!]! @shareable }\n"
                "union Action = Common | OnlyA\n"
                "type Common @shareable { label: String }\ntype OnlyA { a: String }"),
            resolvers={"Query.rootA": lambda *_: {"id": "c1", "wrapper": {"actions": [
                {"__typename": "Common", "label": "common"}, {"__typename": "OnlyA", "a": "only a"}]}}},
        ),
        "b": Subgraph(
            sdl("key shareable",
                "type Container @key(fields: \"id\") { id: ID! wrapper: Wrapper @shareable bWrapper: Wrapper }\n"
                "type Wrapper @shareable { actions: [Action!]! @shareable }\n"
                "union Action = Common | OnlyB\n"
                "type Common @shareable { label: String }\ntype OnlyB { b: String }"),
            entities={"Container": [{"id": "c1", "bWrapper": {"actions": [
                {"__typename": "Common", "label": "common"}, {"__typename": "OnlyB", "b": "only b"}]}}]},
        ),
    },
    # @authenticated, @requiresScopes, @policy: denied fields are pruned from the plan
    "authorization": {
        "shop": Subgraph(
            sdl("key authenticated requiresScopes policy",
                "type Query { products: [Product!]! me: Account @authenticated }\n"
                "type Account { id: ID! email: String! }\n"
                "type Product @key(fields: \"upc\") { upc: String! name: String!"
                " stock: Int @requiresScopes(scopes: [[\"inventory:read\"], [\"admin\"]])"
                " margin: Float @policy(policies: [[\"staff\"]]) }"),
            entities={"Product": [{"upc": "1", "name": "Table", "stock": 5, "margin": 0.4},
                                  {"upc": "2", "name": "Chair", "stock": 0, "margin": 0.2}]},
            resolvers={"Query.products": lambda *_: [{"upc": "1", "name": "Table", "stock": 5, "margin": 0.4},
                                                     {"upc": "2", "name": "Chair", "stock": 0, "margin": 0.2}],
                       "Query.me": lambda *_: {"id": "a1", "email": "ada@example.com"}},
        ),
        "reviews": Subgraph(
            sdl("key authenticated",
                "type Product @key(fields: \"upc\") { upc: String! reviews: [Review!] @authenticated }\n"
                "type Review { body: String! }"),
            entities={"Product": [{"upc": "1", "reviews": [{"body": "Sturdy"}]}, {"upc": "2", "reviews": []}]},
        ),
    },
    # entity fetches to one subgraph at one point of the plan: one request (batch)
    "batch": {
        "accounts": Subgraph(
            sdl("key", "type Query { users: [User!]! }\ntype User @key(fields: \"id\") { id: ID! name: String! }"),
            entities={"User": BATCH_USERS},
            resolvers={"Query.users": lambda *_: BATCH_USERS},
        ),
        "products": Subgraph(
            sdl("key", "type Query { topProducts: [Product!]! }\n"
                       "type Product @key(fields: \"upc\") { upc: String! name: String! }"),
            entities={"Product": PRODUCTS},
            resolvers={"Query.topProducts": lambda *_: PRODUCTS},
        ),
        "reviews": Subgraph(
            sdl("key", "type Review { body: String! rating: Int author: User! product: Product! }\n"
                       "type User @key(fields: \"id\") { id: ID! reviews: [Review!]! }\n"
                       "type Product @key(fields: \"upc\") { upc: String! reviews: [Review!]! }"),
            entities={
                "User": [{"id": u["id"], "reviews": [r for r in BATCH_REVIEWS if r["author"]["id"] == u["id"]]}
                         for u in BATCH_USERS],
                "Product": [{"upc": p["upc"], "reviews": [r for r in BATCH_REVIEWS if r["product"]["upc"] == p["upc"]]}
                            for p in PRODUCTS],
            },
            resolvers={"Review.rating": _rating},
        ),
    },
}
