"""The server's `graft` subcommands: serve, config-schema, graphiql-assets."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from router.config import ConfigError, RouterSettings, load_settings, settings_json_schema


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--supergraph", type=Path, help="supergraph SDL file (watched for changes)")
    parser.add_argument("--config", type=Path, help="router.yaml")
    parser.add_argument("--host", help="listen address (default from config: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="listen port (default from config: 4000)")
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the port (SO_REUSEPORT)")
    parser.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    listen = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    if listen:
        overrides["listen"] = listen
    if args.supergraph is not None:
        overrides["supergraph"] = {"path": args.supergraph}
    return overrides


async def _check_supergraph(settings: RouterSettings) -> None:
    """Build the gateway once so a bad file fails start-up before any worker is forked."""
    from router.server.serve import load_gateway

    gateway, _ = load_gateway(settings)
    await gateway.close()


def serve(args: argparse.Namespace) -> int:
    """`graft serve`; with --workers N, N processes of `python -m router serve` share the port."""
    from router.server.serve import StartupError, run_worker, supergraph_path
    from router.server.workers import supervise, worker_argv

    if args.workers < 1:
        print("graft serve: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        settings = load_settings(args.config, **_overrides(args))
        if args.workers == 1:
            return run_worker(settings, reuse_port=args.reuse_port)
        asyncio.run(_check_supergraph(settings))
    except (ConfigError, StartupError) as exc:
        print(f"graft serve: {exc}", file=sys.stderr)
        return 2
    child = ["serve", "--supergraph", str(supergraph_path(settings)),
             "--host", settings.listen.host, "--port", str(settings.listen.port)]
    if args.config:
        child += ["--config", str(args.config)]
    return supervise(worker_argv(child), args.workers, settings.drain.grace_seconds)


def config_schema(args: argparse.Namespace) -> int:
    text = settings_json_schema()
    if args.output:
        args.output.write_text(text + "\n")
    else:
        print(text)
    return 0


def graphiql_assets(args: argparse.Namespace) -> int:
    from router.server.graphiql_assets import AssetError, build_assets

    try:
        for path in build_assets(args.cache):
            print(f"wrote {path}")
    except AssetError as exc:
        print(f"graft graphiql-assets: {exc}", file=sys.stderr)
        return 1
    return 0
