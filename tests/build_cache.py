"""The builds the packaging tests check (the client's .deb, the wheel), made once per state of
the sources and kept between test runs.

A build is keyed by everything that goes into it: every source file of the checkout (not the
tests, not what builds write), the Python version and every installed distribution with its
version (PyInstaller, PySide6, babel...), and the build's own name. The first run with given
sources builds exactly as before; a later run with the very same inputs reuses the result,
so only a change that could change the build pays for it again. Only the newest build of a
kind is kept (a .deb is some hundred megabytes).

``IMI_TEST_BUILD_CACHE``: the cache folder (default ``.build-cache`` in the checkout);
``off`` builds afresh into the test's temporary folder every run.
"""

import hashlib
import importlib.metadata
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Not sources of a build: what builds and runs write, the tests and benchmarks (no build
# packages them); nor any hidden file or folder (version control, environments, the caches of
# pytest, mypy, ruff, Hypothesis, this one).
NOT_SOURCES = frozenset({"__pycache__", "dist", "demo-data", "tests", "bench"})


def _sources(folder: Path) -> Iterator[Path]:
    for entry in sorted(folder.iterdir()):
        if (entry.name in NOT_SOURCES or entry.name.startswith(".")
                or entry.name.endswith(".egg-info")):
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _sources(entry)
        elif entry.is_file() and entry.suffix != ".mo":  # .mo: compiled from the .po
            yield entry


def source_key(kind: str) -> str:
    """A digest of everything a build of ``kind`` is made from."""
    digest = hashlib.sha256(f"{kind}\0{sys.version}\0{sys.executable}\0".encode())
    for path in _sources(ROOT):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    installed = sorted(f"{d.metadata['Name']}=={d.version}"
                       for d in importlib.metadata.distributions())
    digest.update("\n".join(installed).encode())
    return digest.hexdigest()[:20]


def cached_build(kind: str, build: Callable[[Path], None], fresh: Path) -> Path:
    """The folder holding a build of ``kind`` of the sources as they are now: ``build(folder)``
    fills an empty folder, unless an earlier run already built these very sources. ``fresh``:
    where to build when the cache is off."""
    setting = os.environ.get("IMI_TEST_BUILD_CACHE", str(ROOT / ".build-cache"))
    if setting == "off":
        build(fresh)
        return fresh
    shelf = Path(setting) / kind
    target = shelf / source_key(kind)
    if (target / ".complete").is_file():
        return target
    work = shelf / f".{target.name}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    build(work)  # a failure raises: nothing is kept
    (work / ".complete").touch()
    for older in shelf.iterdir():
        if older != work:
            shutil.rmtree(older, ignore_errors=True)
    work.rename(target)
    return target
