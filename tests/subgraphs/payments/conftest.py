import pytest

from tests.support.apps import DATABASES, peer_process, subgraph_client, subgraph_on
from tests.support.stripe_standin import start_stand_in


@pytest.fixture(scope="module")
def orders_process(tmp_path_factory):
    """The real, seeded orders subgraph: payOrder reads the order's total and buyer from it."""
    service = peer_process("orders", tmp_path_factory)
    yield service
    service.stop()


@pytest.fixture(scope="module")
def users_process(tmp_path_factory, orders_process):
    """The real users service: payments gets its service token (orders:pay) from it."""
    service = peer_process("users", tmp_path_factory, orders_process.env["GRAFT_KEYS_FILE"])
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def _share_keys_and_orders(orders_process, users_process, monkeypatch):
    monkeypatch.setenv("GRAFT_KEYS_FILE", orders_process.env["GRAFT_KEYS_FILE"])
    monkeypatch.setenv("ORDERS_URL", orders_process.graphql_url)
    monkeypatch.setenv("USERS_URL", users_process.graphql_url)


@pytest.fixture(params=DATABASES)
async def payments(request):
    async with subgraph_on(request, "payments") as client:
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
