"""rover-style supergraph.yaml: subgraph names, routing URLs and where each SDL comes from."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import yaml

from router.composition.errors import CompositionError, CompositionFailed

SDL_QUERY = "{ _service { sdl } }"


@dataclass(frozen=True)
class SubgraphSource:
    name: str
    url: str
    sdl: str


def _fail(message: str) -> CompositionFailed:
    return CompositionFailed([CompositionError("INVALID_CONFIG", message)])


async def fetch_sdl(url: str) -> str:
    """Introspect a running subgraph with `_service { sdl }`."""
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        async with session.post(url, json={"query": SDL_QUERY}) as response:
            body = await response.json(content_type=None)
    try:
        return body["data"]["_service"]["sdl"]
    except (KeyError, TypeError) as exc:
        raise _fail(f"{url} did not answer _service {{ sdl }}: {body!r:.200}") from exc


def load_config(path: str | Path) -> list[SubgraphSource]:
    """Read the config and every subgraph's SDL (files relative to the config's folder)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(f"cannot read {path}: {exc}") from exc
    subgraphs = (data or {}).get("subgraphs") if isinstance(data, dict) else None
    if not isinstance(subgraphs, dict) or not subgraphs:
        raise _fail(f"{path}: 'subgraphs' must map names to {{routing_url, schema}}")
    return asyncio.run(_load_all(path.parent, subgraphs))


async def _load_all(base: Path, subgraphs: dict) -> list[SubgraphSource]:
    return list(await asyncio.gather(*(_load_one(base, name, spec) for name, spec in subgraphs.items())))


async def _load_one(base: Path, name: str, spec: object) -> SubgraphSource:
    if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
        raise _fail(f"subgraph {name!r}: needs 'schema: {{file: PATH}}' or 'schema: {{subgraph_url: URL}}'")
    schema = spec["schema"]
    url = spec.get("routing_url") or schema.get("subgraph_url")
    if not url:
        raise _fail(f"subgraph {name!r}: 'routing_url' is missing")
    if "file" in schema:
        file = base / schema["file"]
        try:
            return SubgraphSource(name, url, file.read_text())
        except OSError as exc:
            raise _fail(f"subgraph {name!r}: cannot read {file}: {exc}") from exc
    if "subgraph_url" in schema:
        return SubgraphSource(name, url, await fetch_sdl(schema["subgraph_url"]))
    raise _fail(f"subgraph {name!r}: schema needs 'file' or 'subgraph_url'")
