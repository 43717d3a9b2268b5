"""Every long-lived aiohttp ClientSession in the router and the subgraphs calls on behalf of many
users, so none may keep cookies: one a subgraph set for one shopper would go out with the next
shopper's requests (tests/router/execution/test_client.py shows it happening with the default jar)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE_OFF = {"router/composition/config.py"}  # `graft compose` fetching SDLs once, for one user


def sessions() -> list[tuple[str, ast.Call]]:
    found = []
    for package in ("router", "subgraphs", "auth"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr == "ClientSession":
                    found.append((str(path.relative_to(ROOT)), node))
    return found


def test_every_shared_client_session_keeps_no_cookies() -> None:
    shared = [(path, node) for path, node in sessions() if path not in ONE_OFF]
    assert len(shared) >= 4  # the executor's pool, the router's resources, the subscription hub, the subgraphs' peers
    keeping = [f"{path}:{node.lineno}" for path, node in shared
               if not any(k.arg == "cookie_jar" and isinstance(k.value, ast.Call)
                          and isinstance(k.value.func, ast.Attribute) and k.value.func.attr == "DummyCookieJar"
                          for k in node.keywords)]
    assert keeping == []
