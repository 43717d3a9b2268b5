import subprocess
import sys

import pytest
from graphql import parse

from router.composition import SubgraphSource, compose
from router.gateway import Gateway
from router.planning import QueryPlanner
from router.supergraph import load_supergraph
from tests.router.planning.cases import CASES
from tests.support.processes import ROOT, RunningService, free_port, wait_healthy


@pytest.fixture(scope="session")
def fixture_server(tmp_path_factory):
    """Every case's subgraphs, as one real process on a free port."""
    port = free_port()
    log = tmp_path_factory.mktemp("fixtures") / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "tests.router.planning.fixture_server", str(port)],
                                   cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    service = RunningService("fixtures", port, process, log)
    wait_healthy(service)
    yield service
    service.stop()


def supergraph_sdl(case: str, base_url: str = "http://127.0.0.1:9") -> str:
    sources = [SubgraphSource(name, f"{base_url}/{case}/{name}/graphql", sub.sdl) for name, sub in CASES[case].items()]
    return compose(sources)


def plan_of(case: str, query: str) -> str:
    return QueryPlanner(load_supergraph(supergraph_sdl(case))).plan(parse(query)).pretty()


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
