"""The `graft` command. Each subcommand is a small function; heavy imports stay inside them."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from router.marketplace import NAMES, subgraph


def _subgraph(args: argparse.Namespace) -> int:
    from subgraphs.common.app import run
    from subgraphs.common.settings import ServiceSettings

    from subgraphs.common.migrations import DatabaseSetupError

    try:
        settings = ServiceSettings.from_env(args.name, args.port)
        run(subgraph(args.name).create_app(settings), settings)
    except (DatabaseSetupError, ValueError) as exc:  # a setting or the database: one line, no traceback
        print(f"graft subgraph {args.name}: {exc}", file=sys.stderr)
        return 1
    return 0


def _migrate(args: argparse.Namespace) -> int:
    import asyncio

    from subgraphs.common.migrations import command_line

    if unknown := [name for name in args.names if name not in NAMES]:
        print(f"graft migrate: no subgraph {unknown[0]!r}; the marketplace has {', '.join(NAMES)}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(command_line(args.names or NAMES, args.revision, args.seed))
    except ValueError as exc:  # a setting such as GRAFT_DB_SETUP
        print(f"graft migrate: {exc}", file=sys.stderr)
        return 2


def _dev(args: argparse.Namespace) -> int:
    from router.dev import run_stack

    return run_stack()


def _schema(args: argparse.Namespace) -> int:
    from router.schema_files import check_schema_files, write_schema_files

    if args.action == "write":
        for path in write_schema_files():
            print(f"wrote {path}")
        return 0
    stale = check_schema_files()
    for path in stale:
        print(f"stale: {path} (run `make schema`)", file=sys.stderr)
    return 1 if stale else 0


def _serve(args: argparse.Namespace) -> int:
    from router.server.command import serve

    return serve(args)


def _config_schema(args: argparse.Namespace) -> int:
    from router.server.command import config_schema

    return config_schema(args)


def _graphiql_assets(args: argparse.Namespace) -> int:
    from router.server.command import graphiql_assets

    return graphiql_assets(args)


def _compose(args: argparse.Namespace) -> int:
    from router.composition import CompositionFailed, compose_from_config

    try:
        sdl = compose_from_config(args.config)
    except CompositionFailed as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    if args.output:
        with open(args.output, "w") as out:
            out.write(sdl)
    else:
        sys.stdout.write(sdl)
    return 0


def _check(args: argparse.Namespace) -> int:
    from router.composition import CompositionFailed, compose_from_config
    from router.composition.check import compare_schemas

    try:
        changes = compare_schemas(open(args.against).read(), compose_from_config(args.config))
    except (CompositionFailed, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1
    for change in changes:
        print(change)
    breaking = [c for c in changes if c.breaking]
    print(f"{len(breaking)} breaking, {len(changes) - len(breaking)} safe change(s)")
    return 1 if breaking else 0


def _plan(args: argparse.Namespace) -> int:
    from graphql import GraphQLError, parse, validate

    from router.planning import PlanningError, QueryPlanner
    from router.supergraph import SupergraphError, load_supergraph

    try:
        model = load_supergraph(Path(args.supergraph).read_text())
        document = parse(Path(args.query).read_text())
    except (OSError, SupergraphError, GraphQLError) as exc:
        print(f"graft plan: {exc}", file=sys.stderr)
        return 2
    errors = validate(model.api_schema, document)
    for error in errors:
        print(f"graft plan: {error.message}", file=sys.stderr)
    if errors:
        return 2
    try:
        print(QueryPlanner(model).plan(document, args.operation_name).pretty(), end="")
    except PlanningError as exc:
        print(f"graft plan: {exc}", file=sys.stderr)
        return 1
    return 0


def _token(args: argparse.Namespace) -> int:
    import asyncio

    from subgraphs.common.migrations import DatabaseSetupError
    from subgraphs.users.mint import MintError, mint_token

    try:
        print(asyncio.run(mint_token(email=args.user, client_id=args.client, scope=args.scope)))
    except (MintError, DatabaseSetupError) as exc:
        print(f"graft token: {exc}", file=sys.stderr)
        return 1
    return 0


def _keys(args: argparse.Namespace) -> int:
    from auth.keys import KeyStore, default_keys_path

    store = KeyStore.open(default_keys_path())
    fresh = store.rotate()
    print(f"new signing key {fresh.kid}; {len(store.verifying_keys())} keys verify")
    return 0


def _events(args: argparse.Namespace) -> int:
    from subgraphs.common.events.admin import command

    if args.action != "list" and not args.id:
        print(f"graft events: {args.action} takes a dead letter's ID (as `graft events list` shows it)",
              file=sys.stderr)
        return 2
    return command(args.action, args.id, args.service)


def _native(args: argparse.Namespace) -> int:
    from router.native import command

    return command(args.action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="graft", description="Graft: a GraphQL federation router in Python.")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("subgraph", help="serve one subgraph")
    p.add_argument("name", choices=NAMES)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=_subgraph)

    p = sub.add_parser("migrate", help="upgrade (or downgrade) the subgraphs' databases",
                       description="Each named subgraph's database (all four when none is named), found by "
                                   "its own settings (DATABASE_URL or <NAME>_DATABASE_URL, GRAFT_DB_SCHEMA_PREFIX), "
                                   "to --revision.")
    p.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(NAMES)}")
    p.add_argument("--revision", default="head", help="head (the default), a revision id, or -1 for one step down")
    p.add_argument("--seed", action="store_true", help="then load the demo data into empty tables (as make run does)")
    p.set_defaults(func=_migrate)

    p = sub.add_parser("dev", help="run the whole stack in the foreground (make run)")
    p.set_defaults(func=_dev)

    p = sub.add_parser("schema", help="write or check schema/<name>.graphql from each subgraph")
    p.add_argument("action", choices=("write", "check"))
    p.set_defaults(func=_schema)

    from router.server.command import add_serve_arguments

    p = sub.add_parser("serve", help="run the router (GraphQL over HTTP, GraphiQL, hot reload)")
    add_serve_arguments(p)
    p.set_defaults(func=_serve)

    p = sub.add_parser("config-schema", help="print the JSON schema of router.yaml")
    p.add_argument("--output", type=Path, help="write it to this file instead")
    p.set_defaults(func=_config_schema)

    p = sub.add_parser("graphiql-assets", help="fetch GraphiQL's files from npm into the package (make install)")
    p.add_argument("--cache", type=Path, default=Path(".cache/npm"), help="where npm tarballs are kept")
    p.set_defaults(func=_graphiql_assets)

    p = sub.add_parser("native", help="compile the router's hottest modules with mypyc (make install)",
                       description="build: compile them (pure Python stays in use when that fails); "
                                   "clean: remove the compiled files; status: which are compiled and current")
    p.add_argument("action", choices=("build", "clean", "status"))
    p.set_defaults(func=_native)

    p = sub.add_parser("token", help="print an access token for a user or a partner client")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", metavar="EMAIL")
    who.add_argument("--client", metavar="ID")
    p.add_argument("--scope", default=None, help="space-separated; at most what the user or client has")
    p.set_defaults(func=_token)

    p = sub.add_parser("keys", help="manage the token signing keys")
    p.add_argument("action", choices=("rotate",))
    p.set_defaults(func=_keys)

    p = sub.add_parser("events", help="dead letters of the domain events and the outboxes' backlog",
                       description="list: dead letters and unpublished outbox events; retry ID: deliver a "
                                   "dead letter again; drop ID: give it up")
    p.add_argument("action", choices=("list", "retry", "drop"))
    p.add_argument("id", nargs="?", help="the dead letter (retry, drop), as list shows it")
    p.add_argument("--service", choices=NAMES, help="list: only what this service produced or consumes")
    p.set_defaults(func=_events)

    p = sub.add_parser("plan", help="print the query plan of an operation")
    p.add_argument("--supergraph", required=True, help="supergraph SDL file")
    p.add_argument("--query", required=True, help="file with the operation")
    p.add_argument("--operation-name", default=None)
    p.set_defaults(func=_plan)

    p = sub.add_parser("compose", help="compose subgraph schemas into a supergraph SDL")
    p.add_argument("--config", required=True, help="rover-style supergraph.yaml")
    p.add_argument("-o", "--output", help="write here instead of stdout")
    p.set_defaults(func=_compose)

    p = sub.add_parser("check", help="list changes that break clients against a published supergraph")
    p.add_argument("--config", required=True, help="rover-style supergraph.yaml")
    p.add_argument("--against", required=True, help="the published supergraph SDL")
    p.set_defaults(func=_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)-5s %(name)s: %(message)s")
    return args.func(args)
