"""The executor and answers it shares: callers of one de-duplicated fetch may be handed one parsed
answer, so merging must never write into it (each caller copies what it merges into)."""

from __future__ import annotations

import copy

import orjson

from router.execution.client import SubgraphRequest, SubgraphResponse, Subgraphs
from router.gateway import Gateway
from tests.router.planning.conftest import supergraph_sdl

# the heavy query's shape on the planner's batch case: entity jumps two deep from lists in lists,
# a field that fails for one review (an error with a path), one type reached by two paths
QUERY = """
{
  users { id name reviews { body product { upc name } } }
  topProducts { name reviews { body rating author { id name } } }
}
"""
# the same root fetches; the entity fetches differ, one under an alias equal to the other's field
ALIASED = "{ topProducts { upc name: upc reviews { body: rating author { name: id } } } }"


class SharedAnswers:
    """Every identical request answered with the one SubgraphResponse the first got, as the client
    hands de-duplicated callers one parse (only to callers that take shared answers); keeps a
    pristine copy of each to show that nobody wrote into it."""

    def __init__(self, subgraphs: Subgraphs) -> None:
        self.subgraphs = subgraphs
        self.answers: dict[bytes, tuple[SubgraphResponse, dict]] = {}
        self.shared = 0

    async def send(self, request: SubgraphRequest) -> SubgraphResponse:
        if not request.shared_answer:
            return await self.subgraphs.send(request)
        key = orjson.dumps([request.service, request.query, request.variables])
        if key not in self.answers:
            response = await self.subgraphs.send(request)
            self.answers[key] = (response, copy.deepcopy(response.result))
        else:
            self.shared += 1
        return self.answers[key][0]


async def _answers(fixture_server, queries: list[str], share: bool) -> list[dict]:
    gateway = Gateway.from_sdl(supergraph_sdl("batch", fixture_server.url))
    shared = SharedAnswers(gateway.caches.subgraphs)
    if share:
        gateway.caches.subgraphs = shared
    try:
        results = [await gateway.execute_query(query) for query in queries]
    finally:
        await gateway.close()
    for response, pristine in shared.answers.values():
        assert response.result == pristine, "an answer shared between callers was written into"
    assert not share or shared.shared >= len(queries) - 1
    return results


async def test_callers_sharing_answers_get_the_answers_of_callers_that_do_not(fixture_server):
    queries = [QUERY, QUERY, ALIASED, QUERY, ALIASED]
    private = await _answers(fixture_server, queries, share=False)
    assert private[0]["data"]["users"][1]["reviews"] == [{"body": "Wobbly", "product": {"upc": "1", "name": "Table"}}]
    assert private[0]["data"]["topProducts"][0]["reviews"][1]["author"] == {"id": "u2", "name": "Bob"}
    assert [e["path"] for e in private[0]["errors"]] == [["topProducts", 1, "reviews", 0, "rating"]]
    top = private[2]["data"]["topProducts"]
    assert [p["name"] for p in top] == [p["upc"] for p in top] == ["1", "2"]
    assert [[r["body"] for r in p["reviews"]] for p in top] == [[5, 2], [None]]
    assert await _answers(fixture_server, queries, share=True) == private


async def test_without_deduplication_no_request_takes_shared_answers(fixture_server):
    """Nothing is shared, so nothing is merged copy-on-write (its copies cost CPU for nothing)."""
    gateway = Gateway.from_sdl(supergraph_sdl("batch", fixture_server.url))
    gateway.client.deduplicate = False  # traffic.deduplicate: false
    shared = SharedAnswers(gateway.caches.subgraphs)
    gateway.caches.subgraphs = shared
    try:
        for _ in range(2):
            assert "users" in (await gateway.execute_query(QUERY))["data"]
    finally:
        await gateway.close()
    assert shared.answers == {} and shared.shared == 0
