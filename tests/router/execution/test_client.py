import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from router.execution.client import SubgraphClient, SubgraphRequest, SubgraphError


async def fetch(client: SubgraphClient, service: str, query: str, variables: dict,
                headers: dict | None = None, *, dedupe: bool = False) -> dict:
    return (await client.send(SubgraphRequest(service, query, variables, headers or {}, dedupe))).result


@pytest.fixture
async def counting_subgraph():
    """A real HTTP subgraph that answers slowly and counts what reaches it."""
    seen: list[dict] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append({"body": await request.json(), "auth": request.headers.get("Authorization")})
        await asyncio.sleep(0.2)
        return web.json_response({"data": {"n": len(seen), "items": [{"id": 1}]}})

    app = web.Application()
    app.router.add_post("/graphql", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    client = SubgraphClient({"s": str(server.make_url("/graphql"))})
    yield client, seen
    await client.close()
    await server.close()


async def test_identical_queries_in_flight_share_one_fetch(counting_subgraph):
    client, seen = counting_subgraph
    results = await asyncio.gather(*(fetch(client, "s", "{ n }", {"a": 1}, dedupe=True) for _ in range(5)))
    assert len(seen) == 1 and client.deduplicated == 4
    assert all(r == results[0] for r in results)
    results[0]["data"]["items"][0]["id"] = 99  # a caller that writes into its answer has its own copy
    assert results[1]["data"]["items"][0]["id"] == 1


async def test_callers_taking_shared_answers_get_one_parse_the_others_their_own(counting_subgraph):
    client, seen = counting_subgraph
    responses = await asyncio.gather(*(client.send(SubgraphRequest("s", "{ n }", {}, dedupe=True, shared_answer=shared))
                                       for shared in (True, False, True, True, False)))
    assert len(seen) == 1 and client.deduplicated == 4
    shared, private = [responses[i].result for i in (0, 2, 3)], [responses[i].result for i in (1, 4)]
    assert shared[0] is shared[1] is shared[2]
    assert private[0] is not private[1] and all(p is not shared[0] and p == shared[0] for p in private)


async def test_with_deduplication_off_every_identical_query_is_sent(counting_subgraph):
    client, seen = counting_subgraph
    client.deduplicate = False  # traffic.deduplicate: false
    await asyncio.gather(*(fetch(client, "s", "{ n }", {"a": 1}, dedupe=True) for _ in range(3)))
    assert len(seen) == 3 and client.deduplicated == 0


async def test_different_callers_variables_or_mutations_are_not_shared(counting_subgraph):
    client, seen = counting_subgraph
    await asyncio.gather(
        fetch(client, "s", "{ n }", {}, {"Authorization": "Bearer a"}, dedupe=True),
        fetch(client, "s", "{ n }", {}, {"Authorization": "Bearer b"}, dedupe=True),
        fetch(client, "s", "{ n }", {"x": 1}, {"Authorization": "Bearer a"}, dedupe=True),
        *(fetch(client, "s", "mutation { n }", {}) for _ in range(2)),
    )
    assert len(seen) == 5 and client.deduplicated == 0
    later = await fetch(client, "s", "{ n }", {}, {"Authorization": "Bearer a"}, dedupe=True)
    assert later["data"]["n"] == 6  # finished fetches are not cached, only shared while in flight


async def test_unreachable_subgraph_is_a_clear_error():
    client = SubgraphClient({"s": "http://127.0.0.1:9/graphql"})
    with pytest.raises(SubgraphError, match="unreachable"):
        await fetch(client, "s", "{ n }", {}, dedupe=True)
    await client.close()


async def test_a_cookie_one_subgraph_answer_sets_is_never_sent_with_later_requests():
    """The client is shared by every caller: a Set-Cookie kept by it would go out with other
    clients' requests (a session cookie of one shopper sent on behalf of the next)."""
    cookies: list[str | None] = []

    async def handle(request: web.Request) -> web.Response:
        cookies.append(request.headers.get("Cookie"))
        response = web.json_response({"data": {"n": len(cookies)}})
        response.set_cookie("session", "shopper-a", path="/")
        return response

    app = web.Application()
    app.router.add_post("/graphql", handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    # by host name, as in deployments (aiohttp's jar ignores cookies from bare IP addresses)
    client = SubgraphClient({"s": f"http://localhost:{server.port}/graphql"})
    try:
        await fetch(client, "s", "{ n }", {}, {"Authorization": "Bearer a"})
        await fetch(client, "s", "{ n }", {}, {"Authorization": "Bearer b"})
    finally:
        await client.close()
        await server.close()
    assert cookies == [None, None]
