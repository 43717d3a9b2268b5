"""GraphiQL's browser files, taken from the npm registry at install time (`graft graphiql-assets`,
run by `make install`) so the router serves GraphiQL with no internet and nothing is vendored
in git. Tarballs are pinned by version and checked against their sha512 integrity."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

ASSET_DIR = Path(__file__).with_name("graphiql_assets")


class AssetError(Exception):
    """The GraphiQL files could not be fetched or are not in place."""


@dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str
    integrity: str  # the registry's sha512, as in package-lock.json
    files: dict[str, str]  # member of the tarball → file name under ASSET_DIR

    @property
    def tarball(self) -> str:
        return f"{self.name}-{self.version}.tgz"


PACKAGES = (
    NpmPackage("react", "18.3.1",
               "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
               {"package/umd/react.production.min.js": "react.production.min.js"}),
    NpmPackage("react-dom", "18.3.1",
               "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
               {"package/umd/react-dom.production.min.js": "react-dom.production.min.js"}),
    NpmPackage("graphiql", "3.8.3",
               "sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==",
               {"package/graphiql.min.js": "graphiql.min.js", "package/graphiql.min.css": "graphiql.min.css",
                "package/LICENSE": "GRAPHIQL-LICENSE"}),
    # GraphiQL's subscriptions: the graphql-ws client (graphql-transport-ws), its browser build
    NpmPackage("graphql-ws", "6.0.6",
               "sha512-zgfER9s+ftkGKUZgc0xbx8T7/HMO4AV5/YuYiFc+AtgcO5T0v8AxYYNQ+ltzuzDZgNkYJaFspm5MMYLjQzrkmw==",
               {"package/umd/graphql-ws.min.js": "graphql-ws.min.js", "package/LICENSE.md": "GRAPHQL-WS-LICENSE"}),
)

ASSET_FILES = tuple(name for package in PACKAGES for name in package.files.values())


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _fetch(package: NpmPackage, cache_dir: Path, npm: str) -> Path:
    tarball = cache_dir / package.tarball
    if tarball.exists() and _integrity(tarball) == package.integrity:
        return tarball
    command = [npm, "pack", f"{package.name}@{package.version}", "--pack-destination", str(cache_dir), "--silent"]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    except FileNotFoundError as exc:
        raise AssetError(f"`{npm}` was not found; install Node.js and npm to fetch GraphiQL") from exc
    except subprocess.CalledProcessError as exc:
        raise AssetError(f"`{' '.join(command)}` failed:\n{exc.stderr.strip()}") from exc
    if not tarball.exists() or _integrity(tarball) != package.integrity:
        raise AssetError(f"{tarball} does not match the pinned integrity {package.integrity}")
    return tarball


def _extract(package: NpmPackage, tarball: Path, dest: Path) -> list[Path]:
    written = []
    with tarfile.open(tarball, "r:gz") as archive:
        for member, name in package.files.items():
            source = archive.extractfile(member)
            if source is None:
                raise AssetError(f"{tarball} has no file {member}")
            target = dest / name
            with source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            written.append(target)
    return written


def build_assets(cache_dir: Path, dest: Path = ASSET_DIR, npm: str = "npm") -> list[Path]:
    """Fetch (or reuse from `cache_dir`) each pinned tarball and copy its browser files to `dest`."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for package in PACKAGES:
        written += _extract(package, _fetch(package, cache_dir, npm), dest)
    return written


def missing_assets(dest: Path = ASSET_DIR) -> list[str]:
    return [name for name in ASSET_FILES if not (dest / name).is_file()]
