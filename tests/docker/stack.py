"""The stack compose.yaml or a Kubernetes overlay declares, run as real processes on this machine:
each container's command (after the image's `graft` entrypoint) and environment as given, with
service hostnames mapped to 127.0.0.1, their ports to free ones, PostgreSQL to the test database
under a schema prefix of its own, Redis to a redis-server of the test's own, and container paths
(volumes, /data, /app/schema) to directories under the test's base."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from subgraphs.common.settings import SUBGRAPH_PORTS
from tests.docker import manifests
from tests.support.processes import ROOT, RunningService, free_port, wait_healthy

ROUTER_PORT = 4000
_HOST_PORT = re.compile(r"(?<=://)([a-z][a-z0-9-]*):(\d+)")


@dataclass(frozen=True)
class Container:
    """One process to run: `graft <args>`, or `command` when the container replaces the entrypoint."""

    name: str
    args: tuple[str, ...]
    env: dict[str, str]
    command: tuple[str, ...] = ()
    mounts: dict[str, str] = field(default_factory=dict)  # mount path → volume key
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # volume key → files a Secret puts there


@dataclass(frozen=True)
class Declared:
    """What a deployment runs: first the migration, then init containers, then the services."""

    migration: Container
    inits: list[Container]
    services: list[Container]
    hosts: frozenset[str]


def image_env() -> dict[str, str]:
    """The Dockerfile's ENV, which every container starts with (PATH aside)."""
    line = next(x for x in (manifests.DOCKER / "Dockerfile").read_text().splitlines() if x.startswith("ENV "))
    pairs = dict(pair.split("=", 1) for pair in line.removeprefix("ENV ").split())
    pairs.pop("PATH")
    return pairs


def from_compose() -> Declared:
    services = manifests.graft_services()

    def container(name: str) -> Container:
        svc = services[name]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in svc.get("volumes", [])}
        return Container(name, tuple(svc["command"]), {**image_env(), **manifests.compose_env(svc)}, mounts=mounts)

    return Declared(container("migrate"), [], [container(n) for n in services if n != "migrate"],
                    frozenset(manifests.compose()["services"]))


def from_kubernetes(overlay: str) -> Declared:
    resources = manifests.render(overlay)
    secrets = manifests.secret_data(resources)
    migration, inits, containers = None, [], []
    for resource, c in manifests.graft_containers(resources):
        pod, spec = resource["metadata"]["name"], manifests.pod_spec(resource) or {}
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        mounts = {m["mountPath"]: f"{pod}/{m['name']}" for m in c.get("volumeMounts", [])}
        files = {f"{pod}/{n}": secrets[v["secret"]["secretName"]] for n, v in volumes.items() if "secret" in v}
        made = Container(f"{pod}-{c['name']}", tuple(c.get("args", ())), {**image_env(), **manifests.container_env(
            c, resources)}, tuple(c.get("command", ())), mounts, files)
        if resource["kind"] == "Job":
            migration = made
        elif c in spec.get("initContainers", []):
            inits.append(made)
        else:
            containers.append(made)
    assert migration is not None, "the overlay has no migration Job"
    hosts = frozenset(r["metadata"]["name"] for r in resources if r["kind"] == "Service")
    return Declared(migration, inits, containers, hosts)


@dataclass
class Localizer:
    """Maps a container's view (hostnames, ports, paths, URLs) onto this machine's."""

    base: Path
    hosts: frozenset[str]
    postgres_url: str
    schema_prefix: str
    redis_url: str
    ports: dict[tuple[str, int], int] = field(default_factory=dict)

    def port(self, host: str, port: int) -> int:
        return self.ports.setdefault((host, port), free_port())

    def path(self, container: Container, path: str) -> str:
        for mount in sorted(container.mounts, key=len, reverse=True):
            if path == mount or path.startswith(mount + "/"):
                return str(self.base / "volumes" / container.mounts[mount]) + path[len(mount):]
        if path.startswith("/app/schema/"):
            return str(ROOT / "schema") + path.removeprefix("/app/schema")
        return str(self.base / "rootfs" / container.name) + path

    def value(self, container: Container, value: str) -> str:
        if re.match(r"postgresql(\+\w+)?://", value):
            return self.postgres_url
        if value.startswith("redis://"):
            return self.redis_url
        if value == "0.0.0.0":
            return "127.0.0.1"
        if match := re.fullmatch(r"0\.0\.0\.0:(\d+)", value):
            return f"127.0.0.1:{self.port('0.0.0.0', int(match[1]))}"
        if value.startswith("/"):
            return self.path(container, value)

        def local(m: re.Match[str]) -> str:
            return f"127.0.0.1:{self.port(m[1], int(m[2]))}" if m[1] in self.hosts else m[0]

        return _HOST_PORT.sub(local, value)

    def env(self, container: Container) -> dict[str, str]:
        env = {name: self.value(container, value) for name, value in container.env.items()}
        env |= {"PATH": os.environ["PATH"], "HOME": str(self.base / "home"), "PYTHONUNBUFFERED": "1"}
        if "DATABASE_URL" in env:  # schemas of this test's own in the shared test database
            env["GRAFT_DB_SCHEMA_PREFIX"] = self.schema_prefix
        if container.args[:1] == ("subgraph",):
            name = container.args[1]
            env[f"{name.upper()}_PORT"] = str(self.port(name, SUBGRAPH_PORTS[name]))
        elif container.args[:1] == ("serve",):
            env["GRAFT_LISTEN__PORT"] = str(self.port("router", ROUTER_PORT))
        return env

    def argv(self, container: Container) -> list[str]:
        if container.command:  # not the image's entrypoint (a copy in an init container)
            return [self.value(container, part) for part in (*container.command, *container.args)]
        return [str(Path(sys.executable).parent / "graft"), *(self.value(container, a) for a in container.args)]

    def prepare(self, container: Container) -> Path:
        """The container's filesystem: its /data (as the image has it), its volumes, a Secret's files."""
        (self.base / "rootfs" / container.name / "data").mkdir(parents=True, exist_ok=True)
        (self.base / "home").mkdir(exist_ok=True)
        for key in container.mounts.values():
            volume = self.base / "volumes" / key
            volume.mkdir(parents=True, exist_ok=True)
            for name, content in container.files.get(key, {}).items():
                (volume / name).write_text(content)
        return self.base / "rootfs" / container.name


def run_once(localizer: Localizer, container: Container, timeout: float = 180) -> None:
    """A one-shot container (the migration, an init container): it must exit 0."""
    cwd = localizer.prepare(container)
    done = subprocess.run(localizer.argv(container), env=localizer.env(container), cwd=cwd, timeout=timeout,
                          capture_output=True, text=True)
    assert done.returncode == 0, f"{container.name} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"


def start(localizer: Localizer, container: Container) -> RunningService:
    cwd = localizer.prepare(container)
    env = localizer.env(container)
    port = int(env.get("GRAFT_LISTEN__PORT") or env[f"{container.args[1].upper()}_PORT"])
    log_path = localizer.base / f"{container.name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(localizer.argv(container), env=env, cwd=cwd, stdout=log,
                                   stderr=subprocess.STDOUT)
    return RunningService(container.name, port, process, log_path, env)


def run_stack(declared: Declared, localizer: Localizer) -> Iterator[RunningService]:
    """The migration, the init containers, the subgraphs (at once), then the router: yields the router
    once every service answers /health; stops them all afterwards."""
    run_once(localizer, declared.migration)
    for init in declared.inits:
        run_once(localizer, init, timeout=30)
    # all at once, as compose and Kubernetes start them once the migration is done
    (router,) = [c for c in declared.services if c.args[:1] == ("serve",)]
    subgraphs = [start(localizer, c) for c in declared.services if c is not router]
    running = [start(localizer, router), *subgraphs]
    try:
        for service in running:
            wait_healthy(service, timeout=120)
        yield running[0]
    finally:  # the router first: its keep-alive connections would hold the subgraphs' drain open
        stop_all(running[:1])
        stop_all(running[1:])


def stop_all(running: list[RunningService], grace: float = 5) -> None:
    """SIGTERM to every process at once, `grace` seconds to stop in order, then SIGKILL: how a
    process stops is not what these tests look at, and the subgraphs' drain takes seconds here."""
    for service in running:
        if service.process.poll() is None:
            service.process.terminate()
    deadline = time.monotonic() + grace
    for service in running:
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


async def _drop_schemas(url: str, prefix: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        names = (await conn.execute(text("SELECT schema_name FROM information_schema.schemata "
                                         "WHERE schema_name LIKE :p"), {"p": prefix + "%"})).scalars().all()
        for name in names:
            await conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    await engine.dispose()


def drop_schemas(url: str, prefix: str) -> None:
    asyncio.run(_drop_schemas(url, prefix))


def logs(base: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(base.glob("*.log")))
