"""graphql-ws and graphql-sse, the npm libraries, as subscribers a test drives: tests/node's
pinned packages (npm ci on first use, or `make install`), one Node process per subscription."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import services
from tests.support.installing import exclusively
from tests.support.processes import ROOT

NODE_DIR = ROOT / "tests" / "node"


def install() -> Path:
    """The node binary, with tests/node's packages installed; skip without Node and npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        services.unavailable("Node.js and npm (for graphql-ws and graphql-sse)")
    with exclusively("node-clients"):
        if not (NODE_DIR / "node_modules" / "graphql-sse").exists():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, capture_output=True,
                           timeout=600)
    return Path(node)


@dataclass
class NodeSubscriber:
    process: asyncio.subprocess.Process

    @classmethod
    async def start(cls, protocol: str, url: str, query: str, variables: dict[str, Any] | None = None,
                    token: str | None = None) -> NodeSubscriber:
        spec = json.dumps({"query": query, "variables": variables or {}, "token": token})
        process = await asyncio.create_subprocess_exec(str(install()), str(NODE_DIR / "subscribe.mjs"), protocol,
                                                       url, spec, stdout=subprocess.PIPE, cwd=NODE_DIR)
        return cls(process)

    async def message(self, timeout: float = 15) -> dict[str, Any]:
        """The next line: {"type": "next", "result"}, "complete", "error", "connected"; "at" the ms it came."""
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            return {"type": "exited", "code": await self.process.wait()}
        return json.loads(line)

    async def result(self, timeout: float = 15) -> dict[str, Any]:
        """The next result (skipping "connected"); fails on anything else."""
        while True:
            message = await self.message(timeout)
            if message["type"] != "connected":
                break
        assert message["type"] == "next", message
        return message["result"]

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
        await self.process.wait()
