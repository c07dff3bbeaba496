"""Client packages (issue 11, item 1): the bundle and .deb from build/build-client.sh, installed
into a scratch root, self-tested against a real server, removed; the MSI source built by wixl.

The build takes about a minute on two cores; it runs once per session (module fixture).
"""

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sync_protocol.languages import FALLBACK_LANGUAGE, LANGUAGES
from sync_server.seed import DEMO_PASSWORD
from tests.build_cache import cached_build
from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parent.parent
DEPENDS = ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0",
           "libegl1", "libfontconfig1")
RECOMMENDS = ("libgtk-3-0", "libwayland-cursor0", "libwayland-egl1")
# Libraries the bundle may rely on the system for, and the Debian package of each: the X11
# platform's (Depends) and the optional GTK theme and Wayland plugins' (Recommends).
SYSTEM_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libgtk-3.so.0": "libgtk-3-0",
    "libgdk-3.so.0": "libgtk-3-0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}


def _build_client_packages(out: Path) -> None:
    built = subprocess.run(["bash", str(ROOT / "build" / "build-client.sh"), str(out)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    for scaffolding in ("bundle", "work", "deb"):  # all of it is in the .deb
        shutil.rmtree(out / scaffolding)


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb (and the icons the build rendered), built once per state of the sources
    (``tests/build_cache.py``)."""
    out = cached_build("client-packages", _build_client_packages,
                       tmp_path_factory.mktemp("client-packages"))
    (package,) = out.glob("imi-desk_*.deb")
    return package


def _dpkg_deb(*args: str) -> str:
    return subprocess.run(["dpkg-deb", *args], capture_output=True, text=True,
                          check=True).stdout


def test_deb_declares_the_system_libraries_and_ships_entries_icons_and_catalogues(deb):
    depends = [d.strip() for d in _dpkg_deb("-f", str(deb), "Depends").split(",")]
    assert sorted(depends) == sorted(DEPENDS)
    recommends = [d.strip() for d in _dpkg_deb("-f", str(deb), "Recommends").split(",")]
    assert sorted(recommends) == sorted(RECOMMENDS)
    assert _dpkg_deb("-f", str(deb), "Package").strip() == "imi-desk"
    listing = _dpkg_deb("-c", str(deb))
    for path in ("./usr/bin/imi-desk -> /opt/imi-desk/imi-desk",
                 "./usr/share/applications/imi-desk.desktop",
                 "./usr/share/applications/imi-desk-training.desktop",
                 "./usr/share/icons/hicolor/scalable/apps/imi-desk.svg",
                 "./usr/share/icons/hicolor/256x256/apps/imi-desk.png",
                 "./usr/share/icons/hicolor/16x16/apps/imi-desk.png",
                 "./etc/xdg/IMI/imi-desk.conf",
                 "./opt/imi-desk/imi-desk",
                 "_internal/PySide6/Qt/translations/qtbase_de.qm",
                 "_internal/PySide6/Qt/translations/qtbase_hu.qm",
                 *(f"_internal/desktop/locale/{lang}/LC_MESSAGES/messages.mo"
                   for lang in ("de", "hu", "fr"))):
        assert path in listing, path
    assert re.search(r"_internal/sqlcipher3/_sqlite3\S*\.so", listing)
    assert _dpkg_deb("-I", str(deb), "conffiles").split() == ["/etc/xdg/IMI/imi-desk.conf"]


@pytest.fixture(scope="module")
def unpacked(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb's files as dpkg-deb unpacks them (read only by the tests)."""
    root = tmp_path_factory.mktemp("unpacked")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def test_every_library_the_bundle_leaves_to_the_system_is_a_declared_dependency(unpacked):
    internal = unpacked / "opt" / "imi-desk" / "_internal"
    libraries = sorted(str(p) for p in [*internal.rglob("*.so"), *internal.rglob("*.so.*")])
    assert len(libraries) > 50
    # One ldd for all of them (it lists each file's libraries in turn): a run per library
    # costs a process start each, for hundreds of them.
    linked = subprocess.run(["ldd", *libraries], capture_output=True, text=True,
                            check=False, env={"LD_LIBRARY_PATH": str(internal)})
    for library in libraries:
        assert f"{library}:" in linked.stdout, library  # every one was read
    missing = set(re.findall(r"^\s*(\S+) => not found", linked.stdout, re.MULTILINE))
    assert missing <= set(SYSTEM_LIBRARIES), missing - set(SYSTEM_LIBRARIES)
    assert {SYSTEM_LIBRARIES[name] for name in missing} <= {*DEPENDS, *RECOMMENDS}


def _desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def _entry_locales(language: str) -> tuple[str, ...]:
    """The locale keys a menu looks up for ``language``: Norwegian systems run nb_NO (older
    ones no_NO), the other languages' locales start with their code."""
    return ("nb", "no") if language == "no" else (language,)


@pytest.mark.parametrize(("name", "keys"), [
    ("imi-desk", ("Name", "GenericName", "Comment")),
    ("imi-desk-training", ("Name", "Comment")),
])
def test_desktop_entries_name_and_describe_the_client_in_every_language(name, keys):
    entry = _desktop_entry(ROOT / "build" / "linux" / f"{name}.desktop")
    translated = {key: {} for key in keys}
    for language in LANGUAGES:
        if language == FALLBACK_LANGUAGE:
            continue
        for locale in _entry_locales(language):
            for key in keys:
                text = entry.get(f"{key}[{locale}]", "")
                assert text.strip(), (name, key, locale)
                translated[key][language] = text
    localized = {key[: key.index("[")] for key in entry if "[" in key}
    assert localized == set(keys)  # nothing else is localized, nothing left in English
    assert {key[key.index("[") + 1:-1] for key in entry if "[" in key} == {
        locale for language in LANGUAGES if language != FALLBACK_LANGUAGE
        for locale in _entry_locales(language)}
    for key in keys:
        english = entry[key]
        if english == "IMI":  # the system's name is the same in every language
            assert set(translated[key].values()) == {"IMI"}
            continue
        # Each language its own words: none left in English, no two languages alike.
        assert english not in translated[key].values(), key
        assert len(set(translated[key].values())) == len(translated[key]), key


def test_desktop_entries_start_the_client_and_the_training_client(unpacked):
    entries = {}
    for name in ("imi-desk", "imi-desk-training"):
        shipped = unpacked / "usr/share/applications" / f"{name}.desktop"
        # The package ships the entries as written, in every language.
        assert shipped.read_bytes() == (ROOT / "build" / "linux" / f"{name}.desktop").read_bytes()
        entries[name] = _desktop_entry(shipped)
    # The client is the handler of imi://case/<id> links (the mails carry them).
    assert entries["imi-desk"]["Exec"] == "imi-desk %u"
    assert entries["imi-desk"]["MimeType"] == "x-scheme-handler/imi;"
    assert entries["imi-desk-training"]["Exec"] == "imi-desk --training"
    assert {e["Icon"] for e in entries.values()} == {"imi-desk"}
    assert entries["imi-desk-training"]["Name[de]"] == "IMI Schulung"


def test_installed_deb_self_tests_against_a_real_server_then_is_removed(
        deb, live_server: LiveServer, tmp_path):
    root = tmp_path / "root"
    admin = root / "var" / "lib" / "dpkg"
    (admin / "info").mkdir(parents=True)
    (admin / "updates").mkdir()
    (admin / "status").touch()
    # The scratch root has none of the X libraries: offscreen needs none of them.
    installed = subprocess.run(["dpkg", f"--root={root}", "--force-depends", "-i", str(deb)],
                               capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    # The administrator's machine-wide settings: the installed conffile, edited.
    conf = root / "etc" / "xdg" / "IMI" / "imi-desk.conf"
    conf.write_text(f"[General]\nserver_url={live_server.url}\nlanguage=fr\n"
                    "locked=server_url, language\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "LANG": "C.UTF-8", "QT_QPA_PLATFORM": "offscreen",
           "IMI_SYSTEM_CONFIG_DIR": str(conf.parent.parent)}

    run = subprocess.run([str(root / "opt" / "imi-desk" / "imi-desk"), "self-test",
                          "--username", "fr.martin", "--password-stdin"],
                         input=DEMO_PASSWORD + "\n", capture_output=True, text=True,
                         env=env, timeout=180, check=False)

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"signed in to {live_server.url} as fr.martin" in run.stdout
    assert "UI and Qt translations for 'fr' loaded" in run.stdout
    assert "imi-desk self-test passed" in run.stdout
    assert not list(home.rglob("profile.json"))  # the throw-away profile is gone

    removed = subprocess.run(["dpkg", f"--root={root}", "--purge", "imi-desk"],
                             capture_output=True, text=True, check=False)
    assert removed.returncode == 0, removed.stderr
    assert not (root / "opt" / "imi-desk").exists()
    assert not conf.exists()
    assert not list((root / "usr").rglob("imi-desk*"))


def _built_msi(deb: Path, tmp_path: Path) -> Path:
    """The MSI built by wixl from the source, on a stand-in for the Windows bundle (only
    Windows makes the real one), with the icon the build rendered."""
    assert shutil.which("wixl") and shutil.which("msiinfo"), (
        "wixl and msiinfo are needed: apt-get install wixl msitools (run.sh does as root)")
    bundle = tmp_path / "bundle"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    (bundle / "imi-desk.exe").write_bytes(b"MZ stand-in")
    (bundle / "_internal" / "resources" / "README").write_text("stand-in\n")
    icon = deb.parent / "icons" / "imi-desk.ico"
    msi = tmp_path / "imi-desk.msi"
    built = subprocess.run(["bash", str(ROOT / "build" / "windows" / "check-wxs.sh"),
                            str(bundle), str(icon), str(msi)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    return msi


def test_msi_source_builds_with_wixl_and_writes_the_rollout_settings(deb, tmp_path):
    msi = _built_msi(deb, tmp_path)
    registry = _msi_table(msi, "Registry")
    settings = {row["Name"]: row for row in registry if row["Key"] == r"Software\IMI\imi-desk"}
    assert {name: row["Value"] for name, row in settings.items()} == {
        "server_url": "[SERVER_URL]", "training_server_url": "[TRAINING_SERVER_URL]",
        "language": "[LANGUAGE]", "ca_bundle": "[CA_BUNDLE]", "proxy": "[PROXY]",
        "profiles_dir": "[PROFILES_DIR]", "locked": "[LOCKED]",
    }
    assert {row["Root"] for row in settings.values()} == {"2"}  # HKEY_LOCAL_MACHINE
    components = {row["Component"]: row for row in _msi_table(msi, "Component")}
    for row in settings.values():  # 64-bit components: the native registry view
        assert int(components[row["Component_"]]["Attributes"]) & 256
    shortcuts = {row["Name"]: row for row in _msi_table(msi, "Shortcut")}
    assert shortcuts["IMI Training"]["Arguments"] == "--training"
    assert shortcuts["IMI"]["Target"] == "[INSTALLDIR]imi-desk.exe"


def test_msi_registers_the_imi_url_protocol_so_a_mails_link_opens_the_case(deb, tmp_path):
    msi = _built_msi(deb, tmp_path)
    registry = [row for row in _msi_table(msi, "Registry")
                if row["Key"].startswith("Software\\Classes\\imi")]
    # HKLM\Software\Classes is HKEY_CLASSES_ROOT: for every user of the machine.
    assert {(row["Root"], row["Key"], row["Name"], row["Value"]) for row in registry} == {
        ("2", r"Software\Classes\imi", "", "URL:IMI case link"),
        ("2", r"Software\Classes\imi", "URL Protocol", ""),
        ("2", r"Software\Classes\imi\DefaultIcon", "", '"[INSTALLDIR]imi-desk.exe",0'),
        ("2", r"Software\Classes\imi\shell\open\command", "",
         '"[INSTALLDIR]imi-desk.exe" "%1"'),
    }
    (component,) = {row["Component_"] for row in registry}
    components = {row["Component"]: row for row in _msi_table(msi, "Component")}
    assert int(components[component]["Attributes"]) & 256  # the native registry view
    assert ("Client", component) in {(row["Feature_"], row["Component_"])
                                     for row in _msi_table(msi, "FeatureComponents")}


def _msi_table(msi: Path, table: str) -> list[dict[str, str]]:
    text = subprocess.run(["msiinfo", "export", str(msi), table], capture_output=True,
                          text=True, check=True).stdout
    header, _types, _keys, *rows = text.splitlines()
    names = header.split("\t")
    return [dict(zip(names, row.split("\t"), strict=False)) for row in rows]
