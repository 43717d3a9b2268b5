import aiohttp
import pytest
from graphql import GraphQLError

from subgraphs.common.peers import Peer
from tests.support.processes import free_port


async def test_an_unreachable_peer_is_its_unavailable_code_and_names_no_url():
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{free_port()}/graphql"
        peer = Peer(http, url, "catalog", None)
        with pytest.raises(GraphQLError) as caught:
            await peer.execute("{ __typename }", {})
    assert caught.value.extensions == {"code": "CATALOG_UNAVAILABLE"}
    assert "127.0.0.1" not in caught.value.message and "http" not in caught.value.message
