"""Build step: compile the UI catalogues (.po) into the package as .mo files.

Everything else about the package is in pyproject.toml. ``desktop.i18n`` reads the compiled
catalogues through ``importlib.resources``, from a wheel as from a checkout: an editable
install (``pip install -e .``, which ``./run.sh`` runs) compiles them into the source tree.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "resources" / "translations"
TARGET = Path("desktop") / "locale"  # inside the package: desktop.i18n.LOCALE_DIR


class BuildPyWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        root = Path.cwd() if self.editable_mode else Path(self.build_lib)
        for po_path in sorted(SOURCE.glob("*/LC_MESSAGES/messages.po")):
            language = po_path.parent.parent.name
            with po_path.open("rb") as po:
                catalog = read_po(po, locale=language)
            mo_path = root / TARGET / language / "LC_MESSAGES" / "messages.mo"
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with mo_path.open("wb") as mo:
                write_mo(mo, catalog)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
