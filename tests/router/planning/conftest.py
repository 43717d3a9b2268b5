from inspect import cleandoc

import pytest
from graphql import parse
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from router.composition import SubgraphSource, compose
from router.gateway import Gateway
from router.planning import QueryPlanner
from router.supergraph import load_supergraph
from tests.router.planning.cases import CASES


def supergraph_sdl(case: str, base_url: str = "http://127.0.0.1:9") -> str:
    sources = [SubgraphSource(name, f"{base_url}/{case}/{name}/graphql", sub.sdl) for name, sub in CASES[case].items()]
    return compose(sources)


def plan_of(case: str, query: str) -> str:
    return QueryPlanner(load_supergraph(supergraph_sdl(case))).plan(parse(query)).pretty()


class PlanText(SingleFileSnapshotExtension):
    """One plain-text file per plan, so a snapshot reads (and diffs) like the plan it holds."""

    _write_mode = WriteMode.TEXT
    file_extension = "txt"


def planned(case: str, query: str) -> str:
    """The snapshot text: the case and operation as comments, then the whole printed plan."""
    operation = "".join(f"# {line}\n" for line in cleandoc(query).splitlines())
    return f"# case: {case}\n{operation}\n{plan_of(case, query)}"


@pytest.fixture
def plan_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Compares `planned(case, query)` with its file in __snapshots__/; refresh with --snapshot-update."""
    return snapshot.use_extension(PlanText)


@pytest.fixture
async def run(fixture_server):
    """run(case, query, variables) → the router's response, against the real fixture subgraphs."""
    gateways: list[Gateway] = []

    async def execute(case: str, query: str, variables: dict | None = None, urls: dict | None = None) -> dict:
        gateway = Gateway.from_sdl(supergraph_sdl(case, fixture_server.url), urls=urls)
        gateways.append(gateway)
        return await gateway.execute_query(query, variables)

    yield execute
    for gateway in gateways:
        await gateway.close()
