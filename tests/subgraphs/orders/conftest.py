import pytest

from tests.support.apps import DATABASES, peer_process, subgraph_on


@pytest.fixture(scope="module")
def catalog_process(tmp_path_factory):
    """A real catalog subgraph: placeOrder reserves stock in it over HTTP."""
    service = peer_process("catalog", tmp_path_factory)
    yield service
    service.stop()


@pytest.fixture(scope="module")
def users_process(tmp_path_factory, catalog_process):
    """The real users service: orders gets its service token (inventory:reserve) from it."""
    service = peer_process("users", tmp_path_factory, catalog_process.env["GRAFT_KEYS_FILE"])
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def _share_keys_and_catalog(catalog_process, users_process, monkeypatch):
    monkeypatch.setenv("GRAFT_KEYS_FILE", catalog_process.env["GRAFT_KEYS_FILE"])
    monkeypatch.setenv("CATALOG_URL", catalog_process.graphql_url)
    monkeypatch.setenv("USERS_URL", users_process.graphql_url)


@pytest.fixture(params=DATABASES)
async def orders(request):
    async with subgraph_on(request, "orders") as client:
        yield client
