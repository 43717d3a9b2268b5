import pytest

from tests.support.apps import DATABASES, subgraph_on


@pytest.fixture(params=DATABASES)
async def catalog(request):
    """The catalog app, seeded, on SQLite and on PostgreSQL."""
    async with subgraph_on(request, "catalog") as client:
        yield client
