"""The router's hottest modules compiled with mypyc (part of mypy), kept beside their source.

Executing a plan and shaping its response walk every object of every response; compiled, they
take about a third less CPU. `graft native build` (run by `make install`) compiles each module
and notes the SHA-256 of the source it compiled. On import, a compiled module is used only when
that source is still the one beside it, so an edited or checked-out file is never shadowed by an
old build; GRAFT_NATIVE=0 runs the source regardless. Without mypyc or a C compiler nothing is
built and the router runs the same modules as Python."""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

MODULES = ("router.execution.executor", "router.execution.shaping")
SOURCE_MARK = ".native-source"  # beside the compiled file: the SHA-256 of the source it was built from

log = logging.getLogger("graft.native")


@dataclass(frozen=True)
class NativeModule:
    """Where one module's source, compiled files and mark are."""

    name: str

    @property
    def source(self) -> Path:
        return _root() / (self.name.replace(".", "/") + ".py")

    @property
    def mark(self) -> Path:
        return self.source.with_suffix(SOURCE_MARK)

    def compiled_files(self) -> list[Path]:
        """The extension module and mypyc's runtime library for it (`<name>__mypyc`)."""
        stem = self.source.with_suffix("")
        candidates = [Path(f"{stem}{infix}{suffix}") for infix in ("", "__mypyc")
                      for suffix in importlib.machinery.EXTENSION_SUFFIXES]
        return [path for path in candidates if path.exists()]

    def current(self) -> bool:
        """Compiled from the source beside it (so importing it runs that source's code)."""
        try:
            return bool(self.compiled_files()) and self.mark.read_text().strip() == _sha256(self.source)
        except OSError:
            return False


def use_current(package: str) -> None:
    """Called by a package holding compiled modules before they are imported: each one whose
    compiled file is missing, stale or turned off is loaded from its source instead."""
    enabled = os.environ.get("GRAFT_NATIVE", "1") != "0"
    for name in MODULES:
        if name.rpartition(".")[0] != package or name in sys.modules:
            continue
        module = NativeModule(name)
        if module.compiled_files() and not (enabled and module.current()):
            _load_source(name, module.source)


def current() -> list[str]:
    """The modules whose compiled build is current (what a new process imports compiled)."""
    return [name for name in MODULES if NativeModule(name).current()]


def compiled() -> list[str]:
    """The modules imported compiled in this process (for the startup log)."""
    return [name for name in MODULES
            if name in sys.modules and str(getattr(sys.modules[name], "__file__", "")).endswith(
                tuple(importlib.machinery.EXTENSION_SUFFIXES))]


def _load_source(name: str, source: Path) -> None:
    spec = importlib.util.spec_from_loader(name, importlib.machinery.SourceFileLoader(name, str(source)))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except BaseException:
        del sys.modules[name]
        raise
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)  # as the import system binds a submodule


def build() -> list[str]:
    """Compile every module; returns the names built. Raises when mypyc or the compiler fails
    (the caller decides whether that is fatal)."""
    from mypyc.build import mypycify  # dev dependency (mypy): only building needs it
    from setuptools import Distribution  # type: ignore[import-untyped]

    root = _root()
    built = []
    for name in MODULES:
        module = NativeModule(name)
        clean(module)
        with tempfile.TemporaryDirectory(prefix="graft-native-") as temp:
            here = os.getcwd()
            os.chdir(root)  # mypyc names modules by their path from the package root
            try:
                extensions = mypycify([str(module.source.relative_to(root))], opt_level="3",
                                      target_dir=str(Path(temp) / "c"))
                dist = Distribution({"ext_modules": extensions, "script_name": "graft-native",
                                     "script_args": ["-q", "build_ext", "--inplace", "--build-temp", str(Path(temp) / "o"),
                                                     "--build-lib", str(Path(temp) / "lib")]})
                dist.parse_command_line()
                dist.run_commands()
            finally:
                os.chdir(here)
        module.mark.write_text(_sha256(module.source) + "\n")
        built.append(name)
    return built


def clean(module: NativeModule) -> None:
    for path in (*module.compiled_files(), module.mark):
        path.unlink(missing_ok=True)


def command(action: str) -> int:
    """`graft native build|clean|status`."""
    modules = [NativeModule(name) for name in MODULES]
    if action == "clean":
        for module in modules:
            clean(module)
        return 0
    if action == "build":
        if shutil.which(os.environ.get("CC", "cc")) is None:
            print("graft native: no C compiler (cc); the router runs as pure Python", file=sys.stderr)
            return 1
        try:
            built = build()
        except (Exception, SystemExit) as exc:  # mypyc exits on a type error: pure Python stays in use
            print(f"graft native: not compiled ({exc.__class__.__name__}: {exc}); the router runs as pure Python",
                  file=sys.stderr)
            return 1
        print(f"graft native: compiled {', '.join(built)}")
        return 0
    for module in modules:
        state = "compiled, current" if module.current() else "compiled, stale" if module.compiled_files() else "source"
        print(f"{module.name}: {state}")
    return 0


def _root() -> Path:
    """The directory holding the `router` package (the repository, or site-packages)."""
    return Path(__file__).resolve().parent.parent


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
