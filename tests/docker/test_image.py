"""What the image installs: the Dockerfile's build stage copies these sources and runs
`pip install .`; the wheel built from exactly that context must hold every file `graft migrate`
reads (each subgraph's Alembic history) and the files the services load at run time. The image
itself cannot be built here (no container engine)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.docker.manifests import DOCKER

ROOT = DOCKER.parent


def stages() -> list[str]:
    """The Dockerfile's stages, each from its FROM line on."""
    return (DOCKER / "Dockerfile").read_text().split("\nFROM ")[1:]


def build_stage_copies() -> list[tuple[str, str]]:
    """(source, destination) of every COPY in the first stage, the one that runs pip."""
    stage = stages()[0]
    copies = []
    for line in stage.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            *sources, destination = line.split()[1:]
            copies += [(source, destination) for source in sources]
    return copies


def build_context(base: Path) -> Path:
    context = base / "src"
    context.mkdir()
    for source, destination in build_stage_copies():
        into_folder = destination.endswith("/") or destination == "."  # relative to WORKDIR, the context
        target = context / destination / Path(source).name if into_folder else context / destination
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / source, target)
    return context


def shipped(base: Path) -> set[str]:
    context = build_context(base)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(base / "wheel"), str(context)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (wheel,) = (base / "wheel").glob("graft-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def runtime_files(pattern: str) -> set[str]:
    return {str(p.relative_to(ROOT)) for p in ROOT.glob(pattern) if "__pycache__" not in p.parts}


def test_the_installed_package_ships_the_migrations_and_the_schemas(tmp_path):
    migrations = runtime_files("subgraphs/*/migrations/**/*.*")
    assert {path.split("/")[1] for path in migrations} == {"catalog", "orders", "users", "payments"}
    needed = migrations | runtime_files("subgraphs/*/schema.graphql")
    assert needed - shipped(tmp_path) == set()


def test_the_runtime_stage_holds_the_supergraph_the_manifests_name():
    runtime = stages()[-1]
    assert "COPY schema /app/schema" in runtime
    assert (ROOT / "schema" / "supergraph.graphql").is_file()
