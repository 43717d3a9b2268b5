"""@apollo/client (tests/router/apollo_client/: package.json and its lock, pinned) installed once
into .cache/ by `npm ci`, and run under Node against a router: what the real client emitted for a @defer query."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.support import services
from tests.support.installing import exclusively, place
from tests.support.processes import ROOT

SOURCE = ROOT / "tests" / "router" / "apollo_client"
CACHE = ROOT / ".cache" / "apollo-client"


def install() -> Path:
    """The directory holding the script next to its node_modules (ESM resolves packages there)."""
    with exclusively("apollo-client"):
        wanted = [(SOURCE / name).read_text() for name in ("package.json", "package-lock.json")]
        have = [(CACHE / name).read_text() if (CACHE / name).exists() else None
                for name in ("package.json", "package-lock.json")]
        if not (CACHE / "node_modules" / "@apollo" / "client").exists() or have != wanted:
            npm = shutil.which("npm")
            if npm is None:
                services.unavailable("npm (to install @apollo/client)")
            CACHE.mkdir(parents=True, exist_ok=True)
            for name, text in zip(("package.json", "package-lock.json"), wanted):
                (CACHE / name).write_text(text)
            subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=CACHE,
                           check=True, capture_output=True, timeout=600)
        place(SOURCE / "defer_client.mjs", CACHE / "defer_client.mjs")
    return CACHE


def emitted(url: str, query: str, variables: dict, until: int, timeout: float = 30) -> list[dict]:
    """The first `until` results Apollo Client's watchQuery emitted, each with its time in ms."""
    node = shutil.which("node")
    if node is None:
        services.unavailable("node")
    directory = install()
    process = subprocess.Popen([node, "defer_client.mjs", url, query, json.dumps(variables)], cwd=directory,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results: list[dict] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            results.append(json.loads(line))
            if len(results) >= until or "error" in results[-1]:
                break
    finally:
        process.kill()
        _, stderr = process.communicate(timeout=timeout)
    assert results, stderr
    return results
