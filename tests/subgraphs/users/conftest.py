import pytest

from tests.support.apps import subgraph_client
from tests.support.services import unique_schema_prefix


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def users(request):
    """The users app, seeded, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        async with subgraph_client("users") as client:
            yield client
    else:
        url = request.getfixturevalue("postgres_url")
        async with subgraph_client("users", url, unique_schema_prefix()) as client:
            yield client
