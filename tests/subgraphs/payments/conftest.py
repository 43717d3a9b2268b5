import socket

import pytest
from aiohttp.test_utils import TestClient, TestServer

from subgraphs.common.settings import ServiceSettings
from subgraphs.payments.service import create_app
from tests.support import paypal_standin, stripe_standin
from tests.support.apps import DATABASES, SubgraphClient, peer_process, subgraph_client, subgraph_on

STRIPE_WEBHOOK_SECRET = "whsec_test_graft"


@pytest.fixture(scope="session")
def orders_process(tmp_path_factory, authorization_server):
    """The real, seeded orders subgraph: payOrder reads the order's total and buyer from it, with
    payments' service token (orders:pay) from the session's users service."""
    service = peer_process("orders", tmp_path_factory, authorization_server)
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def _orders(orders_process, monkeypatch):
    monkeypatch.setenv("ORDERS_URL", orders_process.graphql_url)
    monkeypatch.setenv("GRAFT_JOBS", "0")  # tests run the jobs' rounds themselves


@pytest.fixture(params=DATABASES)
async def payments(request):
    async with subgraph_on(request, "payments") as client:
        yield client


@pytest.fixture
async def stripe_payments(monkeypatch):
    """payments on SQLite with the Stripe provider, the SDK pointed at the stand-in."""
    stand_in, server = await stripe_standin.start_stand_in()
    monkeypatch.setenv("STRIPE_SECRET_KEY", stripe_standin.API_KEY)
    monkeypatch.setenv("STRIPE_API_BASE", stand_in.base_url)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET)
    async with subgraph_client("payments") as client:
        yield client, stand_in
    await server.close()


@pytest.fixture
async def paypal_payments(monkeypatch):
    """payments on SQLite with PayPal (and offline cards), the SDK pointed at the stand-in."""
    stand_in, server = await paypal_standin.start_stand_in()
    monkeypatch.setenv("PAYPAL_CLIENT_ID", paypal_standin.CLIENT_ID)
    monkeypatch.setenv("PAYPAL_CLIENT_SECRET", paypal_standin.CLIENT_SECRET)
    monkeypatch.setenv("PAYPAL_WEBHOOK_ID", paypal_standin.WEBHOOK_ID)
    monkeypatch.setenv("PAYPAL_API_BASE", stand_in.base_url)
    async with subgraph_client("payments") as client:
        yield client, stand_in
    await server.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def offline_service(monkeypatch):
    """Starts payments (offline provider) on a real port its public URL names, so the offline
    provider's webhooks reach it over HTTP; call it again to restart on the same database."""
    port = _free_port()
    monkeypatch.setenv("GRAFT_PAYMENTS_PUBLIC_URL", f"http://127.0.0.1:{port}")

    def start() -> TestClient:
        settings = ServiceSettings.from_env("payments", port)
        return TestClient(TestServer(create_app(settings), host="127.0.0.1", port=port))

    return start


@pytest.fixture
async def offline_payments(offline_service):
    async with offline_service() as client:
        yield SubgraphClient(client)
