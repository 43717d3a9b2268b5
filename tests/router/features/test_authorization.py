"""@authenticated / @requiresScopes / @policy: denied fields are left out of the plan and come
back null with an UNAUTHORIZED error at their path; the rest is served (real fixture subgraphs)."""

from __future__ import annotations

import pytest

from auth.tokens import Claims
from router.features.authorization import AuthorizationRules, PolicyError, Requirement, load_policies
from router.pipeline import Caller
from router.gateway import Gateway
from router.supergraph import load_supergraph
from tests.router.planning.conftest import supergraph_sdl

QUERY = "{ products { upc name stock margin reviews { body } } me { email } }"


def caller(*scopes: str) -> Caller:
    return Caller(Claims("7", "user", frozenset(scopes), None, "jti-1", 0, 2**31), "127.0.0.1")


ANONYMOUS = Caller(None, "127.0.0.1")
PUBLIC_PLAN = """\
QueryPlan {
  Fetch(service: "shop") {
    query {
      products {
        upc
        name
      }
    }
  },
}
"""


@pytest.fixture
async def gateway(fixture_server):
    gw = Gateway.from_sdl(supergraph_sdl("authorization", fixture_server.url))
    gw.authorizer.policies = {"staff": lambda c: "staff" in c.scopes}
    yield gw
    await gw.close()


async def ask(gateway: Gateway, who: Caller, query: str = QUERY) -> dict:
    return await gateway.execute_query(query, caller=who, include_plan=True)


def unauthorized(result: dict) -> list[list]:
    return sorted(e["path"] for e in result.get("errors", []) if e["extensions"]["code"] == "UNAUTHORIZED")


async def test_anonymous_gets_public_fields_and_errors_at_each_denied_path(gateway):
    result = await ask(gateway, ANONYMOUS)
    assert result["data"] == {
        "products": [{"upc": "1", "name": "Table", "stock": None, "margin": None, "reviews": None},
                     {"upc": "2", "name": "Chair", "stock": None, "margin": None, "reviews": None}],
        "me": None,
    }
    assert unauthorized(result) == sorted([["me"]] + [["products", i, f] for i in (0, 1)
                                                      for f in ("stock", "margin", "reviews")])
    # nothing denied was asked of any subgraph: one fetch, to shop, without the denied fields
    assert result["extensions"]["queryPlan"] == PUBLIC_PLAN
    message = next(e["message"] for e in result["errors"] if e["path"] == ["products", 0, "stock"])
    assert "Product.stock requires inventory:read or admin scope" in message


async def test_signed_in_shopper_sees_authenticated_fields_only(gateway):
    result = await ask(gateway, caller("profile"))
    assert result["data"]["me"] == {"email": "ada@example.com"}
    assert result["data"]["products"][0] == {"upc": "1", "name": "Table", "stock": None, "margin": None,
                                             "reviews": [{"body": "Sturdy"}]}
    assert unauthorized(result) == [["products", i, f] for i in (0, 1) for f in ("margin", "stock")]


async def test_any_one_scope_set_and_policy_grant_access(gateway):
    result = await ask(gateway, caller("admin", "staff"))
    assert "errors" not in result
    assert result["data"]["products"][1] == {"upc": "2", "name": "Chair", "stock": 0, "margin": 0.2, "reviews": []}
    inventory = await ask(gateway, caller("inventory:read"), "{ products { stock } }")
    assert inventory == {"data": {"products": [{"stock": 5}, {"stock": 0}]},
                         "extensions": inventory["extensions"]}


async def test_denied_fields_in_fragments_and_a_fully_denied_selection(gateway):
    query = "{ me { ...Who } products { ... on Product { margin } } } fragment Who on Account { email }"
    result = await ask(gateway, ANONYMOUS, query)
    assert result["data"] == {"me": None, "products": [{"margin": None}, {"margin": None}]}
    assert unauthorized(result) == [["me"], ["products", 0, "margin"], ["products", 1, "margin"]]


async def test_plans_are_cached_per_failed_requirement_set(gateway):
    await ask(gateway, ANONYMOUS)
    await ask(gateway, ANONYMOUS)
    await ask(gateway, caller("admin", "staff"))
    assert gateway.plans.misses == 2 and gateway.plans.hits == 1


async def test_async_policy_and_unknown_policy_denies(gateway):
    async def staff(c: Caller) -> bool:
        return c.claims is not None and c.claims.subject == "7"

    gateway.authorizer.policies = {"staff": staff}
    assert (await ask(gateway, caller(), "{ products { margin } }"))["data"]["products"][0] == {"margin": 0.4}
    gateway.authorizer.policies = {}
    assert unauthorized(await ask(gateway, caller("admin"), "{ products { margin } }"))


def test_rules_read_from_the_supergraph():
    rules = AuthorizationRules.from_supergraph(load_supergraph(supergraph_sdl("authorization")))
    assert rules.fields["Query.me"] == Requirement(authenticated=True)
    assert rules.fields["Product.stock"].scopes == (frozenset({"inventory:read"}), frozenset({"admin"}))
    assert rules.fields["Product.margin"].policies == (frozenset({"staff"}),)
    both = Requirement(scopes=(frozenset("a"), frozenset("b"))) & Requirement(scopes=(frozenset("c"),))
    assert both.scopes == (frozenset("ac"), frozenset("bc"))


def test_policies_load_from_dotted_paths():
    assert load_policies({"x": "os.path:isabs"})["x"]("/") is True
    with pytest.raises(PolicyError, match="auth.policies.y"):
        load_policies({"y": "no.such.module:fn"})


def test_ready_made_policies_named_in_the_example_config():
    from router.config import load_settings
    from tests.support.processes import ROOT

    policies = load_policies(load_settings(ROOT / "router.example.yaml").auth.policies)
    assert policies["is_admin"](caller("admin")) is True and policies["is_admin"](caller("profile")) is False
