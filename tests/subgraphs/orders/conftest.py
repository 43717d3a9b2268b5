import pytest

from tests.support.apps import subgraph_client
from tests.support.processes import start_graft
from tests.support.services import unique_schema_prefix


@pytest.fixture(scope="module")
def catalog_process(tmp_path_factory):
    """A real catalog subgraph: placeOrder reserves stock in it over HTTP."""
    base = tmp_path_factory.mktemp("catalog")
    keys = base / "keys.json"
    service = start_graft("catalog", ["subgraph", "catalog"], {"GRAFT_DATA_DIR": str(base), "GRAFT_KEYS_FILE": str(keys)}, base)
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def _share_keys_and_catalog(catalog_process, monkeypatch):
    monkeypatch.setenv("GRAFT_KEYS_FILE", catalog_process.env["GRAFT_KEYS_FILE"])
    monkeypatch.setenv("CATALOG_URL", catalog_process.graphql_url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def orders(request):
    if request.param == "sqlite":
        async with subgraph_client("orders") as client:
            yield client
    else:
        url = request.getfixturevalue("postgres_url")
        async with subgraph_client("orders", url, unique_schema_prefix()) as client:
            yield client
