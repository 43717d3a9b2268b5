"""What the tests install into .cache/ on first use (npm packages, their scripts), installed by
one worker at a time: `make test` runs test files in parallel processes, and on a fresh clone two
of them installing Node at once had one exec the binary while the other wrote it (ETXTBSY)."""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import ROOT


@contextmanager
def exclusively(name: str) -> Iterator[None]:
    """Held by one process of the suite at a time (an flock on .cache/<name>.lock)."""
    lock = ROOT / ".cache" / f"{name}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def place(source: Path, target: Path) -> None:
    """`source` copied to `target` unless it is there already: a worker running the script
    never reads it half rewritten by another."""
    if not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
