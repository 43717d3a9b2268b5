"""The gateways under test and how each is started on a supergraph file and a port."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench.tools import ROOT, Tools

PEERS_DIR = Path(__file__).resolve().parent / "peers"


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class GatewayUnderTest:
    """A gateway the bench measures (Graft or a peer), named as the report shows it."""

    name: str
    label: str
    needs_peers: bool
    traced: bool = False  # telemetry on: every request traced, spans exported over OTLP/HTTP
    plain: bool = False  # Graft without in-flight de-duplication and entity cache: the same work as a peer

    def launch(self, tools: Tools, supergraph: Path, port: int, otlp_endpoint: str | None = None,
               python: str = sys.executable) -> Launch:
        """`python`: the interpreter whose installed Graft serves (bench/baseline.py's for the baseline)."""
        if self.name.startswith("graft"):
            workers = ["--workers", "2"] if self.name == "graft-2" else []
            argv = [python, "-m", "router", "serve", "--supergraph", str(supergraph), "--port", str(port)]
            env = {"PYTHONUNBUFFERED": "1"}
            if self.plain:
                env |= {"GRAFT_TRAFFIC__DEDUPLICATE": "false", "GRAFT_CACHE__ENTITY": "false"}
            if self.traced:
                assert otlp_endpoint is not None, "a traced gateway needs the bench's OTLP sink"
                env |= {"GRAFT_TELEMETRY__TRACING__ENABLED": "true",
                        "GRAFT_TELEMETRY__TRACING__ENDPOINT": otlp_endpoint}
            return Launch(argv + workers, env)
        assert tools.peers is not None, "peer gateways are not installed"
        env = {"NODE_ENV": "production", "NODE_PATH": str(tools.peers / "node_modules")}
        if self.name == "apollo":
            script = PEERS_DIR / "apollo.cjs"
            return Launch([str(tools.node), str(script)], {**env, "SUPERGRAPH": str(supergraph), "PORT": str(port)})
        hive = tools.peers / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"
        argv = [str(tools.node), str(hive), "supergraph", str(supergraph), "--host", "127.0.0.1",
                "--port", str(port), "--fork", "1"]
        if self.name == "hive-rust":
            # Hive Router's Rust query planner and its executor; with --jit as well it answers null
            argv.append("--hive-router-runtime")
        else:
            argv.append("--jit")
        return Launch(argv, env)


GATEWAYS = {
    g.name: g
    for g in (
        GatewayUnderTest("graft", "Graft router (1 worker)", False),
        GatewayUnderTest("graft-2", "Graft router (--workers 2)", False),
        GatewayUnderTest("graft-traced", "Graft router (1 worker), tracing on (every request, OTLP/HTTP)", False,
                         traced=True),
        GatewayUnderTest("apollo", "Apollo Gateway (@apollo/gateway + @apollo/server)", True),
        GatewayUnderTest("graft-plain", "Graft router (1 worker), no in-flight de-duplication, no entity cache",
                         False, plain=True),
        GatewayUnderTest("hive", "Hive Gateway (@graphql-hive/gateway)", True),
        GatewayUnderTest("hive-rust", "Hive Gateway, router runtime (@graphql-hive/router-runtime, Rust planner)",
                         True),
    )
}


def graft_can_serve() -> bool:
    """True once the router has its `serve` command (it lands from another branch)."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "router", "serve", "--help"], cwd=ROOT, capture_output=True)
    return done.returncode == 0
