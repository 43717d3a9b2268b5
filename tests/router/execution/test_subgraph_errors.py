"""What clients see of subgraph errors (issue 12, finding 7): raw messages, internal URLs and
service names stay in the router's log; allow-listed codes pass; `include_subgraph_errors` and
`dev_mode` show more; every withheld detail is findable in the log by the error's requestId."""

from __future__ import annotations

import json
import logging
import re

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from router.config import load_settings
from router.gateway import Gateway
from tests.router.server.supergraphs import HEADER
from tests.support.processes import free_port

LEAK = "http://127.0.0.1:6001/graphql is unavailable: Cannot connect to host 127.0.0.1:6001 ssl:default"
QUERY_TYPE = """
type Query @join__type(graph: SHOP) @join__type(graph: DOWN) {
  leaky: String @join__field(graph: SHOP)
  declined: String @join__field(graph: SHOP)
  elsewhere: String @join__field(graph: DOWN)
}
"""
ERRORS = {
    "leaky": {"message": LEAK, "path": ["leaky"],
              "extensions": {"code": "CATALOG_UNAVAILABLE", "exception": {"stacktrace": ["Traceback", "peers.py"]}}},
    "declined": {"message": "Your card was declined.", "path": ["declined"],
                 "extensions": {"code": "CARD_DECLINED", "paymentId": "7", "stacktrace": ["paying.py"]}},
}


async def shop(request: web.Request) -> web.Response:
    """A subgraph that sends its errors back raw, as an unmasked server would."""
    query = (await request.json())["query"]
    asked = [field for field in ERRORS if field in query]
    return web.json_response({"data": {field: None for field in asked}, "errors": [ERRORS[f] for f in asked]})


@pytest.fixture
async def supergraph_sdl():
    app = web.Application()
    app.router.add_post("/graphql", shop)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    graphs = (f'  SHOP @join__graph(name: "shop", url: "{server.make_url("/graphql")}")\n'
              f'  DOWN @join__graph(name: "down", url: "http://127.0.0.1:{free_port()}/graphql")\n')
    yield HEADER.replace('  TINY @join__graph(name: "tiny", url: "%(url)s")\n', graphs) + QUERY_TYPE
    await server.close()


@pytest.fixture
async def ask(supergraph_sdl):
    gateways: list[Gateway] = []

    async def run(query: str, headers: dict | None = None, **settings) -> dict:
        gateway = Gateway.from_settings(supergraph_sdl, load_settings(**settings))
        gateways.append(gateway)
        return await gateway.execute_query(query, headers=headers)

    yield run
    for gateway in gateways:
        await gateway.close()


def by_path(result: dict) -> dict:
    return {tuple(e.get("path") or ("(fetch)",)): e for e in result["errors"]}


async def test_by_default_raw_errors_and_urls_become_generic_and_go_to_the_log(ask, caplog):
    caplog.set_level(logging.WARNING, "graft.execution")
    result = await ask("{ leaky declined elsewhere }")
    errors = by_path(result)
    request_id = errors[("leaky",)]["extensions"]["requestId"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert errors[("leaky",)] == {"message": "Internal server error", "path": ["leaky"],
                                  "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}}
    assert errors[("declined",)] == {"message": "Your card was declined.", "path": ["declined"],
                                     "extensions": {"code": "CARD_DECLINED", "paymentId": "7"}}
    assert errors[("(fetch)",)] == {"message": "Subgraph unavailable",
                                    "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "requestId": request_id}}
    sent = json.dumps(result)
    assert "127.0.0.1" not in sent and "serviceName" not in sent and "shop" not in sent and "down" not in sent
    logged = [r.getMessage() for r in caplog.records if request_id in r.getMessage()]
    assert any(LEAK in line and "shop" in line and "CATALOG_UNAVAILABLE" in line for line in logged)
    assert any("down" in line and "unreachable" in line for line in logged)


async def test_include_subgraph_errors_all_with_a_per_subgraph_exception(ask):
    result = await ask("{ leaky elsewhere }", include_subgraph_errors={"all": True, "subgraphs": {"down": False}})
    errors = by_path(result)
    assert errors[("leaky",)] == {**ERRORS["leaky"]}  # as sent, no serviceName unless asked for
    assert errors[("(fetch)",)]["message"] == "Subgraph unavailable"


async def test_service_name_only_when_asked_for(ask):
    errors = by_path(await ask("{ declined elsewhere }", include_subgraph_errors={"service_name": True}))
    assert errors[("declined",)]["extensions"]["serviceName"] == "shop"
    assert errors[("(fetch)",)]["extensions"]["serviceName"] == "down"


async def test_dev_mode_shows_everything(ask):
    errors = by_path(await ask("{ leaky elsewhere }", dev_mode=True))
    assert errors[("leaky",)] == {**ERRORS["leaky"], "extensions": {**ERRORS["leaky"]["extensions"],
                                                                    "serviceName": "shop"}}
    fetch = errors[("(fetch)",)]
    assert fetch["message"].startswith("Subgraph 'down' is unreachable")
    assert fetch["extensions"] == {"code": "SUBREQUEST_HTTP_ERROR", "serviceName": "down"}


async def test_a_codes_allow_list_of_our_own(ask):
    errors = by_path(await ask("{ leaky declined }", include_subgraph_errors={"allowed_codes": ["CATALOG_UNAVAILABLE"]}))
    assert errors[("leaky",)]["message"] == LEAK and "exception" not in errors[("leaky",)]["extensions"]
    assert errors[("declined",)]["message"] == "Internal server error"


@pytest.mark.parametrize(("given", "kept"), [("req-42.a_b:c", True), ("bad id;X: y", False), ("x" * 200, False)])
async def test_a_well_formed_incoming_request_id_is_kept(make_client, supergraph_sdl, given, kept):
    settings = load_settings()
    gateway = Gateway.from_settings(supergraph_sdl, settings)
    try:
        client = await make_client(settings, gateway)
        resp = await client.post("/graphql", json={"query": "{ leaky }"}, headers={"X-Request-Id": given})
        error = by_path(await resp.json())[("leaky",)]
    finally:
        await gateway.close()
    assert (error["extensions"]["requestId"] == given) is kept
    assert resp.headers["X-Request-Id"] == error["extensions"]["requestId"]


async def test_over_http_the_response_carries_the_request_id_of_its_errors(make_client, supergraph_sdl):
    settings = load_settings()
    gateway = Gateway.from_settings(supergraph_sdl, settings)
    try:
        client = await make_client(settings, gateway)
        resp = await client.post("/graphql", json={"query": "{ leaky }"}, headers={"X-Request-Id": "edge-1"})
        body = await resp.json()
    finally:
        await gateway.close()
    assert resp.headers["X-Request-Id"] == "edge-1" == body["errors"][0]["extensions"]["requestId"]
    assert LEAK not in json.dumps(body)


async def test_an_allow_listed_error_is_logged_at_info_and_a_withheld_one_once_as_a_warning(ask, caplog):
    caplog.set_level(logging.INFO, "graft.execution")
    result = await ask("{ leaky declined }")
    request_id = by_path(result)[("leaky",)]["extensions"]["requestId"]
    declined = [r for r in caplog.records if "CARD_DECLINED" in r.getMessage()]
    assert [r.levelno for r in declined] == [logging.INFO] and declined[0].exc_info is None
    assert request_id in declined[0].getMessage()
    withheld = [r for r in caplog.records if "CATALOG_UNAVAILABLE" in r.getMessage()]
    assert [r.levelno for r in withheld] == [logging.WARNING] and withheld[0].exc_info is None
