"""What every resolver of every subgraph is given, whichever library calls it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from aiohttp import web

from subgraphs.common.db import Database
from subgraphs.common.identity import Identity
from subgraphs.common.peers import Peer

LoadersT = TypeVar("LoadersT")


@dataclass
class RequestContext(Generic[LoadersT]):
    """The request, the subgraph's database, this request's DataLoaders and the verified caller."""

    request: web.Request
    db: Database
    loaders: LoadersT
    identity: Identity

    def peer(self, name: str) -> Peer:
        """Another subgraph, called as this service: what the caller may do is checked here."""
        return Peer.of(name, self.request)
