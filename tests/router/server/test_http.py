"""GraphQL over HTTP: each rule of the spec with the status code it asks for."""

from __future__ import annotations

import re

import orjson
import pytest

from router.config import load_settings
from router.server.http import negotiate
from tests.router.server.local_gateway import LocalGateway

GQL = "application/graphql-response+json"
JSON = "application/json"


def post(client, body, accept=GQL, content_type="application/json", **kw):
    data = orjson.dumps(body) if isinstance(body, (dict, list)) else body
    headers = {"Accept": accept, **({"Content-Type": content_type} if content_type else {})}
    return client.post("/graphql", data=data, headers={**headers, **kw.pop("headers", {})}, **kw)


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, GQL),
        ("", GQL),
        (GQL, GQL),
        (JSON, JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        (f"{JSON};q=0.5, {GQL}", GQL),
        (f"{GQL};q=0.1, {JSON}", JSON),
        (f"{JSON}, {GQL}", JSON),
        ("text/plain", None),
        (f"{GQL};q=0", None),
    ],
)
def test_negotiate(accept, chosen):
    assert negotiate(accept) == chosen


def test_negotiate_html_only_when_offered_and_named():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert negotiate(browser, html=True) == "text/html"
    assert negotiate(browser, html=False) == JSON
    assert negotiate("*/*", html=True) == JSON


async def test_post_query(client):
    resp = await post(client, {"query": "query($n: String!) { hello(name: $n) }", "variables": {"n": "ann"}})
    assert resp.status == 200
    assert resp.headers["Content-Type"] == f"{GQL}; charset=utf-8"
    assert await resp.json(content_type=None) == {"data": {"hello": "hello ann"}}


async def test_application_json_is_matched(client):
    resp = await post(client, {"query": "{ version }"}, accept=JSON)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == f"{JSON}; charset=utf-8"


async def test_get_query_with_variables_in_url(client):
    params = {"query": "query Q($n: String!) { hello(name: $n) }", "variables": '{"n": "bo"}', "operationName": "Q"}
    resp = await client.get("/graphql", params=params, headers={"Accept": GQL})
    assert resp.status == 200
    assert (await resp.json(content_type=None))["data"] == {"hello": "hello bo"}


async def test_get_mutation_is_refused_and_not_run(client):
    resp = await client.get("/graphql", params={"query": "mutation { bump }"}, headers={"Accept": GQL})
    assert resp.status == 405
    assert resp.headers["Allow"] == "POST"
    assert "mutation" in (await resp.json(content_type=None))["errors"][0]["message"]
    assert client.pipelines.current.service.bumps == 0
    resp = await post(client, {"query": "mutation { bump }"})
    assert (resp.status, (await resp.json(content_type=None))["data"]) == (200, {"bump": 1})


async def test_get_chooses_query_from_document_with_mutation(client):
    params = {"query": "query Q { version } mutation M { bump }", "operationName": "Q"}
    resp = await client.get("/graphql", params=params, headers={"Accept": GQL})
    assert resp.status == 200
    params["operationName"] = "M"
    resp = await client.get("/graphql", params=params, headers={"Accept": GQL})
    assert resp.status == 405


async def test_other_methods_get_405(client):
    resp = await client.put("/graphql", data=b"{}", headers={"Content-Type": JSON})
    assert resp.status == 405
    assert resp.headers["Allow"] == "GET, POST"


async def test_unacceptable_accept_is_406(client):
    resp = await post(client, {"query": "{ version }"}, accept="text/plain")
    assert resp.status == 406


@pytest.mark.parametrize(("content_type", "status"), [(None, 415), ("text/plain", 415), ("application/json; charset=latin-1", 415)])
async def test_content_type_rules(client, content_type, status):
    resp = await post(client, '{"query": "{ version }"}', content_type=content_type)
    assert resp.status == status


async def test_utf8_assumed_and_accepted(client):
    body = '{"query": "{ hello(name: \\"Zoë 🏃\\") }"}'.encode()
    for content_type in ("application/json", "application/json; charset=utf-8"):
        resp = await post(client, body, content_type=content_type)
        assert (await resp.json(content_type=None))["data"] == {"hello": "hello Zoë 🏃"}


BAD_REQUESTS = [
    (b"NONSENSE", "not valid JSON"),
    (b'{"query":', "not valid JSON"),
    (b"", "no body"),
    (b"[1]", "must be a JSON object"),
    (b'{"qeury": "{ version }"}', "no 'query'"),
    (b'{"query": 1}', "'query' must be a string, not a number"),
    (b'{"query": {"a": 1}}', "'query' must be a string, not an object"),
    (b'{"query": ["{ a }"]}', "'query' must be a string, not an array"),
    (b'{"query": true}', "'query' must be a string, not a boolean"),
    (b'{"query": "{ version }", "operationName": 7}', "'operationName' must be a string"),
    (b'{"query": "{ version }", "variables": [7]}', "'variables' must be an object"),
    (b'{"query": "{ version }", "variables": "x"}', "'variables' must be an object"),
    (b'{"query": "{ version }", "extensions": 3}', "'extensions' must be an object"),
]


@pytest.mark.parametrize("accept", [GQL, JSON])
@pytest.mark.parametrize(("body", "message"), BAD_REQUESTS)
async def test_not_well_formed_requests_are_400_without_data(client, accept, body, message):
    resp = await post(client, body, accept=accept)
    assert resp.status == 400
    assert resp.headers["Content-Type"].startswith(accept)
    payload = await resp.json(content_type=None)
    assert "data" not in payload
    assert message in payload["errors"][0]["message"]


async def test_get_bad_variables_json_is_400(client):
    resp = await client.get("/graphql", params={"query": "{ version }", "variables": "{nope"}, headers={"Accept": GQL})
    assert resp.status == 400
    assert "'variables' in the URL is not valid JSON" in (await resp.json(content_type=None))["errors"][0]["message"]


async def test_null_optional_parameters_are_allowed(client):
    body = {"query": "{ version }", "operationName": None, "variables": None, "extensions": None}
    resp = await post(client, body)
    assert resp.status == 200


DOCUMENT_ERRORS = [
    ({"query": "{"}, "Syntax Error"),
    ({"query": "{ nope }"}, "Cannot query field 'nope'"),
    ({"query": "query A { version } query B { version }"}, "send 'operationName'"),
    ({"query": "query A { version }", "operationName": "Z"}, "no operation named 'Z'"),
    ({"query": "query($n: String!) { hello(name: $n) }", "variables": {"n": 3}}, "Variable '$n'"),
    ({"query": "query($n: String!) { hello(name: $n) }"}, "Variable '$n'"),
]


@pytest.mark.parametrize(("body", "message"), DOCUMENT_ERRORS)
async def test_request_errors_are_400_with_graphql_response_json(client, body, message):
    resp = await post(client, body, accept=GQL)
    payload = await resp.json(content_type=None)
    assert resp.status == 400
    assert "data" not in payload
    assert message in payload["errors"][0]["message"]


@pytest.mark.parametrize(("body", "message"), DOCUMENT_ERRORS)
async def test_request_errors_are_200_with_application_json(client, body, message):
    resp = await post(client, body, accept=JSON)
    payload = await resp.json(content_type=None)
    assert resp.status == 200
    assert message in payload["errors"][0]["message"]


@pytest.mark.parametrize("accept", [GQL, JSON])
async def test_field_errors_are_200_with_partial_data(client, accept):
    resp = await post(client, {"query": "{ version boom }"}, accept=accept)
    payload = await resp.json(content_type=None)
    assert resp.status == 200
    assert payload["data"] == {"version": "v1", "boom": None}
    assert payload["errors"][0]["path"] == ["boom"]


async def test_body_limit_is_413(make_client):
    client = await make_client(load_settings(limits={"max_body_bytes": 200}))
    resp = await post(client, {"query": "{ version }"})
    assert resp.status == 200
    resp = await post(client, {"query": "{ version }", "extensions": {"pad": "x" * 300}})
    assert resp.status == 413
    assert "larger than 200 bytes" in (await resp.json(content_type=None))["errors"][0]["message"]


async def test_body_limit_without_content_length(make_client):
    client = await make_client(load_settings(limits={"max_body_bytes": 200}))

    async def chunks():
        yield b'{"query": "{ version }", "extensions": {"pad": "'
        yield b"x" * 500
        yield b'"}}'

    resp = await post(client, chunks())
    assert resp.status == 413


async def test_introspection_can_be_turned_off(make_client):
    query = {"query": "{ __schema { queryType { name } } }"}
    on = await make_client()
    assert (await post(on, query)).status == 200
    off = await make_client(load_settings(introspection=False))
    resp = await post(off, query)
    assert resp.status == 400
    assert "introspection has been disabled" in (await resp.json(content_type=None))["errors"][0]["message"]


async def test_plan_header_reaches_the_gateway_only_in_dev_mode(make_client):
    headers = {"graft-include-plan": "1"}
    plain = await make_client()
    await post(plain, {"query": "{ version }"}, headers=headers)
    assert plain.pipelines.current.service.requests[-1].include_plan is False
    dev = await make_client(load_settings(dev_mode=True))
    await post(dev, {"query": "{ version }"}, headers=headers)
    await post(dev, {"query": "{ version }"})
    contexts = dev.pipelines.current.service.requests
    assert [c.include_plan for c in contexts] == [True, False]


async def test_health(client):
    resp = await client.get("/health")
    assert resp.status == 200
    assert (await resp.json())["status"] == "ok"


async def test_ready_names_the_subgraphs_that_are_not(client):
    from router.pipeline import SubgraphReadiness

    gateway = client.pipelines.current.service
    gateway.subgraphs = [SubgraphReadiness("a", True, None), SubgraphReadiness("b", False, "open")]
    resp = await client.get("/ready")
    assert resp.status == 200 and (await resp.json())["subgraphs"]["b"] == {"reachable": False, "circuit": "open"}
    gateway.subgraphs.append(SubgraphReadiness("c", False, None))
    resp = await client.get("/ready")
    assert resp.status == 503 and (await resp.json())["not_ready"] == ["c"]


async def test_a_failing_gateway_is_a_500_graphql_error(make_client, caplog):
    gateway = LocalGateway()

    async def broken(*args, **kwargs):
        raise RuntimeError("executor bug")

    gateway.execute = broken  # type: ignore[method-assign]
    client = await make_client(gateway=gateway)
    resp = await post(client, {"query": "{ version }"})
    assert resp.status == 500
    request_id = resp.headers["X-Request-Id"]
    assert await resp.json(content_type=None) == {"errors": [{
        "message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}}]}
    assert f"request {request_id} failed" in caplog.text
    assert "executor bug" in caplog.text


async def test_every_answer_carries_a_request_id_and_keeps_a_well_formed_one(client):
    refused = await post(client, {"query": "{ nope }"})
    kept = await client.post("/graphql", json={"query": "{ version }"}, headers={"X-Request-Id": "edge-42.a"})
    replaced = await client.post("/graphql", json={"query": "{ version }"}, headers={"X-Request-Id": "bad id\u00e9"})
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["X-Request-Id"])
    assert kept.headers["X-Request-Id"] == "edge-42.a"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"])


@pytest.mark.parametrize("body", [{"query": ""}, {"query": "", "variables": {}}], ids=["empty", "empty with variables"])
async def test_an_empty_query_is_a_request_error(client, body):
    resp = await post(client, body)
    assert resp.status == 400
    assert (await resp.json())["errors"][0]["message"] == "The request's 'query' is empty."
