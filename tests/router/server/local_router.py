"""`graft serve` with a forwarding gateway in place of the router core, for process tests of the
server (reload, workers, signals) that do not depend on the planner:
`python -m tests.router.server.local_router serve --supergraph FILE --port N [...]`.

The gateway reads the supergraph's single join__Graph URL and forwards each operation there."""

from __future__ import annotations

import argparse
import hashlib
import sys
from typing import Any

import aiohttp
from graphql import EnumTypeDefinitionNode, StringValueNode, build_schema, parse, print_ast

from router.config import RouterSettings
from router.server.command import add_serve_arguments, serve
from router.server.document import PreparedOperation
from router.server.pipeline import RequestContext


def _graph_url(sdl: str) -> str:
    for definition in parse(sdl).definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == "join__Graph":
            for value in definition.values or ():
                for directive in value.directives or ():
                    for argument in directive.arguments:
                        if argument.name.value == "url" and isinstance(argument.value, StringValueNode):
                            return argument.value.value
    raise ValueError("the supergraph has no join__Graph with a url")


class ForwardingGateway:
    def __init__(self, sdl: str, settings: RouterSettings) -> None:
        self.api_schema = build_schema(sdl)  # raises on a broken file, like the core would
        self.url = _graph_url(sdl)
        self.supergraph_sha = hashlib.sha256(sdl.encode()).hexdigest()
        self._session: aiohttp.ClientSession | None = None

    async def execute(self, operation: PreparedOperation, variables: dict[str, Any], *,
                      context: RequestContext) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        body = {"query": print_ast(operation.document), "variables": variables, "operationName": operation.name}
        async with self._session.post(self.url, json=body) as resp:
            return await resp.json()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["serve"])
    add_serve_arguments(parser)
    import logging

    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)-5s %(name)s: %(message)s")
    return serve(parser.parse_args(), factory=ForwardingGateway, module="tests.router.server.local_router")


if __name__ == "__main__":
    sys.exit(main())
