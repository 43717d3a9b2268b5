"""The marketplace's subgraphs as the `graft` commands know them: each one's code, schema file, port
and command line, in one table that `graft subgraph`, `graft dev`, `graft schema` and the bench read.

Which subgraphs there are, and their ports, is the subgraphs' own table (SUBGRAPH_PORTS: they find
each other by it), so a new subgraph is a package under subgraphs/ and a port there."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from subgraphs.common.settings import SUBGRAPH_PORTS

if TYPE_CHECKING:
    from aiohttp import web

    from subgraphs.common.settings import ServiceSettings

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schema"


@dataclass(frozen=True)
class MarketplaceSubgraph:
    """One subgraph: `service_module` has `create_app(settings)` and `sdl()`; `port` is its fixed
    local port (the subgraphs' own table, which they also use to find each other)."""

    name: str
    service_module: str
    schema_file: Path
    port: int

    def argv(self, port: int | None = None) -> tuple[str, ...]:
        """The command that serves it (`graft subgraph NAME`), on its own port unless told another."""
        argv = (sys.executable, "-m", "router", "subgraph", self.name)
        return argv if port is None else (*argv, "--port", str(port))

    def create_app(self, settings: ServiceSettings) -> web.Application:
        """Imported on demand: each service pulls in its GraphQL library and models."""
        app: web.Application = importlib.import_module(self.service_module).create_app(settings)
        return app

    def sdl(self) -> str:
        """The SDL exactly as `_service { sdl }` serves it."""
        sdl: str = importlib.import_module(self.service_module).sdl()
        return sdl


def _subgraph(name: str, port: int) -> MarketplaceSubgraph:
    return MarketplaceSubgraph(name, f"subgraphs.{name}.service", SCHEMA_DIR / f"{name}.graphql", port)


SUBGRAPHS: tuple[MarketplaceSubgraph, ...] = tuple(_subgraph(name, port) for name, port in SUBGRAPH_PORTS.items())
NAMES: tuple[str, ...] = tuple(s.name for s in SUBGRAPHS)


def subgraph(name: str) -> MarketplaceSubgraph:
    """The subgraph called `name`; a LookupError names the ones there are."""
    for candidate in SUBGRAPHS:
        if candidate.name == name:
            return candidate
    raise LookupError(f"no subgraph {name!r}; the marketplace has {', '.join(NAMES)}")
