import pytest

from tests.support.apps import subgraph_client
from tests.support.processes import start_graft
from tests.support.services import unique_schema_prefix
from tests.support.stripe_standin import start_stand_in


@pytest.fixture(scope="module")
def orders_process(tmp_path_factory):
    """The real, seeded orders subgraph: payOrder reads the order's total and buyer from it."""
    base = tmp_path_factory.mktemp("orders")
    env = {"GRAFT_DATA_DIR": str(base), "GRAFT_KEYS_FILE": str(base / "keys.json")}
    service = start_graft("orders", ["subgraph", "orders"], env, base)
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def _share_keys_and_orders(orders_process, monkeypatch):
    monkeypatch.setenv("GRAFT_KEYS_FILE", orders_process.env["GRAFT_KEYS_FILE"])
    monkeypatch.setenv("ORDERS_URL", orders_process.graphql_url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def payments(request):
    if request.param == "sqlite":
        async with subgraph_client("payments") as client:
            yield client
    else:
        url = request.getfixturevalue("postgres_url")
        async with subgraph_client("payments", url, unique_schema_prefix()) as client:
            yield client


@pytest.fixture
async def stripe_payments(monkeypatch):
    """payments on SQLite with the Stripe provider, the SDK pointed at the stand-in."""
    stand_in, server = await start_stand_in()
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_graft")
    monkeypatch.setenv("STRIPE_API_BASE", str(server.make_url("")).rstrip("/"))
    async with subgraph_client("payments") as client:
        yield client, stand_in
    await server.close()
