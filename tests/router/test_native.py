"""The compiled modules (router/native.py): used only when built from the source beside them,
and the source runs the same when they are not."""

from __future__ import annotations

import hashlib
import importlib.machinery
import os
import subprocess
import sys
from pathlib import Path

import pytest

from router import native

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package `fastpkg` with a module `hot` whose "compiled" file is garbage: importing it
    fails, so an import that succeeds ran the source."""
    pkg = tmp_path / "fastpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "hot.py").write_text("ANSWER = 42\n")
    (pkg / f"hot{importlib.machinery.EXTENSION_SUFFIXES[0]}").write_bytes(b"not an ELF file")
    monkeypatch.setattr(native, "MODULES", ("fastpkg.hot",))
    monkeypatch.setattr(native, "_root", lambda: tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    import fastpkg  # type: ignore[import-not-found]  # noqa: F401  # as router.execution calls use_current from its __init__

    yield pkg
    for name in ("fastpkg.hot", "fastpkg"):
        sys.modules.pop(name, None)


def _mark(pkg: Path, source: bytes) -> None:
    (pkg / f"hot{native.SOURCE_MARK}").write_text(hashlib.sha256(source).hexdigest() + "\n")


def test_a_compiled_module_built_from_another_source_is_passed_over_for_the_source(package: Path) -> None:
    _mark(package, b"ANSWER = 41\n")  # built before the source changed
    native.use_current("fastpkg")
    import fastpkg.hot  # type: ignore[import-not-found]

    assert fastpkg.hot.ANSWER == 42 and fastpkg.hot.__file__.endswith("hot.py")


def test_a_compiled_module_without_its_mark_is_passed_over(package: Path) -> None:
    native.use_current("fastpkg")
    import fastpkg.hot  # type: ignore[import-not-found]

    assert fastpkg.hot.__file__.endswith("hot.py")


def test_a_current_compiled_module_is_the_one_imported(package: Path) -> None:
    _mark(package, (package / "hot.py").read_bytes())
    native.use_current("fastpkg")
    with pytest.raises(ImportError):  # the garbage extension: Python went for the compiled file
        import fastpkg.hot  # type: ignore[import-not-found]  # noqa: F401


def test_graft_native_0_runs_the_source_even_when_current(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _mark(package, (package / "hot.py").read_bytes())
    monkeypatch.setenv("GRAFT_NATIVE", "0")
    native.use_current("fastpkg")
    import fastpkg.hot  # type: ignore[import-not-found]

    assert fastpkg.hot.__file__.endswith("hot.py")


def _imported_files(env: dict[str, str]) -> list[str]:
    code = ("import router.execution.executor as e, router.execution.shaping as s; "
            "from router.native import compiled; print(e.__file__); print(s.__file__); print(compiled())")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, check=True)
    return done.stdout.splitlines()


def test_the_router_imports_its_modules_compiled_exactly_when_the_build_is_current() -> None:
    """After `make install` on a machine with a C compiler both are compiled; either way what is
    imported is what `graft native status` calls current."""
    current = native.current()
    executor, shaping, listed = _imported_files(dict(os.environ))
    assert listed == str(current)
    assert executor.endswith(".py") == ("router.execution.executor" not in current)
    assert shaping.endswith(".py") == ("router.execution.shaping" not in current)
    executor, shaping, listed = _imported_files({**os.environ, "GRAFT_NATIVE": "0"})
    assert (executor.endswith(".py"), shaping.endswith(".py"), listed) == (True, True, "[]")


def test_the_source_modules_pass_the_execution_tests_too() -> None:
    """The suite runs whichever is current (compiled after make install); the pure-Python
    fallback must answer the same."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/router/execution",
                           "tests/router/test_gateway.py", "tests/router/planning"],
                          cwd=ROOT, capture_output=True, text=True, env={**os.environ, "GRAFT_NATIVE": "0"})
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout
