import pytest

from tests.support.apps import DATABASES, peer_process, subgraph_on


@pytest.fixture(scope="module")
def catalog_process(tmp_path_factory, authorization_server):
    """A real catalog subgraph: placeOrder reserves stock in it over HTTP, with orders' service
    token (inventory:reserve) from the session's users service, whose JWKS the catalog verifies with."""
    service = peer_process("catalog", tmp_path_factory, authorization_server)
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def _catalog(catalog_process, monkeypatch):
    monkeypatch.setenv("CATALOG_URL", catalog_process.graphql_url)


@pytest.fixture(params=DATABASES)
async def orders(request):
    async with subgraph_on(request, "orders") as client:
        yield client
