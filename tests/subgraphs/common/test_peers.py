import aiohttp
import pytest
from graphql import GraphQLError

from subgraphs.common.identity import ANONYMOUS
from subgraphs.common.peers import Peer
from tests.support.processes import free_port


async def test_an_unreachable_peer_is_its_unavailable_code():
    async with aiohttp.ClientSession() as http:
        peer = Peer(http, f"http://127.0.0.1:{free_port()}/graphql", ANONYMOUS, "CATALOG_UNAVAILABLE")
        with pytest.raises(GraphQLError) as caught:
            await peer.execute("{ __typename }", {})
    assert caught.value.extensions == {"code": "CATALOG_UNAVAILABLE"}
