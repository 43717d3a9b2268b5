"""The code Graft's speed is compared with: main as it was when issue 18 asked for its targets.

"Half of today's latency" only means something measured on the same machine in the same run, so
the bench unpacks that commit beside the cache (`git archive`), gives it a virtualenv of its own
dependencies once, and serves the commerce graph from it (subgraphs and router) like the current code.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

from bench.tools import CACHE, ROOT

COMMIT = "ed236344744d71016e40cc52e0b555b60a698910"  # main when issue 18 was filed


@dataclass(frozen=True)
class Checkout:
    """Code the bench runs: `python -m router ...` from `root` with `python`."""

    root: Path
    python: str


CURRENT = Checkout(ROOT, sys.executable)


def baseline() -> Checkout:
    """The baseline commit unpacked and installed under .cache/bench, once (about a minute)."""
    root = CACHE / f"baseline-{COMMIT[:12]}"
    python = root / ".venv" / "bin" / "python"
    marker = root / ".installed"
    if not marker.exists():
        print(f"bench: unpacking {COMMIT[:12]} (main when issue 18 was filed) into {root}", flush=True)
        root.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", COMMIT],
                                 capture_output=True)
        if archive.returncode != 0:
            raise RuntimeError(f"the baseline commit {COMMIT[:12]} is not in this clone (a shallow clone? "
                               f"`git fetch --unshallow`): {archive.stderr.decode().strip()}")
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive.stdout, check=True)
        venv.create(root / ".venv", with_pip=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)  # as its Makefile did: older pips cannot resolve it
        subprocess.run([*pip, "-e", str(root)], check=True)
        marker.touch()
    return Checkout(root, str(python))
