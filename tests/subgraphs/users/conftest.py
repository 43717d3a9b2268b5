import pytest

from tests.support.apps import DATABASES, subgraph_on


@pytest.fixture(params=DATABASES)
async def users(request):
    """The users app, seeded, on SQLite and on PostgreSQL."""
    async with subgraph_on(request, "users") as client:
        yield client
