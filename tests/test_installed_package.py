"""The installed package works, not only the checkout (issue 5 item 8).

The wheel is built from a copy of the sources (so nothing compiled in the checkout can slip
in), installed into a fresh virtual environment, and run from there with the checkout out of
reach: ``imi-server init --demo`` and ``imi-server run`` through the venv's own scripts, and a
client set up, synced and shown in German by the venv's interpreter.

The dependencies are not downloaded again: the fresh venv sees this environment's
site-packages through a ``.pth`` line (the way ``--system-site-packages`` would show a
system-wide install). Only their location is shared; imi itself comes from the wheel, and the
client checks where its modules were loaded from.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from desktop import local_server
from sync_protocol.languages import FALLBACK_LANGUAGE, LANGUAGES
from tests.build_cache import cached_build

REPO = Path(__file__).resolve().parents[1]
# Every UI catalogue in the sources, as the build step finds them.
CATALOGUES = sorted(p.parent.parent.name
                    for p in (REPO / "resources" / "translations").glob("*/LC_MESSAGES/*.po"))
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "*.egg-info", ".setuptools-build", "__pycache__", ".*_cache", "*.mo",
    "bench", "tests", ".build-cache")


def run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=_env(), check=False)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return env | {"QT_QPA_PLATFORM": "offscreen"}


def _build_wheel(base: Path) -> None:
    shutil.copytree(REPO, base / "src", ignore=NOT_SOURCES)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(base / "dist"), str(base / "src")], cwd=base)
    shutil.rmtree(base / "src")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per state of the sources (``tests/build_cache.py``)."""
    base = cached_build("wheel", _build_wheel, tmp_path_factory.mktemp("wheel"))
    (built,) = (base / "dist").glob("imi-*.whl")
    return built


def test_the_wheel_carries_the_compiled_catalogues_migrations_and_seeds(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"de", "fr", "hu"} <= set(CATALOGUES)
    for language in CATALOGUES:
        assert f"desktop/locale/{language}/LC_MESSAGES/messages.mo" in names
    assert "sync_server/migrations/env.py" in names
    assert any(n.startswith("sync_server/migrations/versions/0001_") for n in names)
    assert {"sync_server/seed/question_set_pq.json", "sync_server/seed/demo_directory.json"
            } <= names
    assert any(n.startswith("sync_server/seed/catalogue/SERV/") for n in names)
    # The UI catalogues ship compiled; the server's mail texts are read as .po through babel.
    assert not any((n.endswith(".po") and not n.startswith("sync_server/mail/locale/"))
                   or n.startswith(("tests/", "bench/")) for n in names)


def test_the_installed_wheel_runs_the_server_and_a_german_client(
        wheel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    venv_site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                          "'purelib'))"], cwd=tmp_path).strip())
    (venv_site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--ignore-installed", str(wheel)], cwd=tmp_path)

    work = tmp_path / "work"  # the current directory of every process: no checkout in reach
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("PYTHONPATH", "PYTHONHOME"):
        monkeypatch.delenv(name, raising=False)
    server_command = [str(venv / "bin" / "imi-server")]
    local_server.init(work / "server", demo=True, server=server_command)
    process, url = local_server.start(work / "server", server=server_command)
    try:
        script = shutil.copy(REPO / "tests" / "installed_client.py", tmp_path)
        report = json.loads(run([str(python), script, url, str(work)], cwd=work))
    finally:
        local_server.stop(process)

    for module_file in report["package_files"]:
        assert Path(module_file).is_relative_to(venv_site), module_file
    assert report["languages"] == [lang for lang in LANGUAGES
                                   if lang == FALLBACK_LANGUAGE or lang in CATALOGUES]
    assert report["cases"] > 0
    assert report["shown"]["new_request"] == "Neue Anfrage"
    assert report["shown"]["folders"][0].startswith("Posteingang")
    assert report["shown"]["rows"] > 0
