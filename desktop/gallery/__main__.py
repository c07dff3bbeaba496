"""``python -m desktop.gallery OUT``: see ``desktop.gallery``."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from desktop.gallery import SCREENS, SIZES
from desktop.i18n import shipped_languages


def _size(text: str) -> tuple[int, int]:
    width, height = (int(v) for v in text.split("x"))
    return width, height


def _screens(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SCREENS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown screens {unknown}; the screens are "
                                         + ", ".join(SCREENS))
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.gallery",
                                     description="render every screen to PNG files")
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--lang", action="append", choices=shipped_languages(),
                        help="a language to render (repeat for more; default: every one)")
    parser.add_argument("--screens", type=_screens,
                        help="comma-separated screens to render (default: every one)")
    parser.add_argument("--size", type=_size, action="append", metavar="WxH",
                        help="a screen size (repeat for more; default: "
                             + " and ".join(f"{w}x{h}" for w, h in SIZES) + ")")
    parser.add_argument("--render", metavar="WxH", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    # A server data folder ``imi-server init --demo`` made, to copy instead of seeding anew
    # (the tests have one).
    parser.add_argument("--seed", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    if options.render:
        from desktop.gallery.render import render_all

        width, height = _size(options.render)
        return render_all(options.out, options.data, width, height, languages=options.lang,
                          screens=frozenset(options.screens) if options.screens else None)
    return _gallery(options.out, languages=options.lang, screens=options.screens,
                    sizes=options.size or list(SIZES), seed=options.seed)


def _gallery(out: Path, *, languages: list[str] | None, screens: list[str] | None,
             sizes: list[tuple[int, int]], seed: Path | None = None) -> int:
    from desktop.gallery.demo_data import DOCUMENTS, prepare

    with tempfile.TemporaryDirectory(prefix="imi-gallery-") as temp:
        base = Path(temp)
        print("Preparing demo data (a local server and two officers' replicas)…")
        profiles = prepare(base, seed=seed)
        problems: list[str] = []
        choice = [*(f"--lang={lang}" for lang in languages or ()),
                  *([f"--screens={','.join(screens)}"] if screens else [])]
        for width, height in sizes:
            screen = base / f"screen-{width}x{height}.json"
            screen.write_text(json.dumps({"screens": [{
                "name": "gallery", "x": 0, "y": 0, "width": width, "height": height,
                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
            env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}")
            # Each size works on its own copy: a step taken while rendering stays there.
            data = base / f"data-{width}x{height}"
            for officer in profiles:
                shutil.copytree(profiles[officer], data / officer)
            shutil.copytree(base / DOCUMENTS, data / DOCUMENTS)  # the files Anna attaches
            print(f"Rendering at {width}x{height}…")
            done = subprocess.run(
                [sys.executable, "-m", "desktop.gallery", str(out), "--render",
                 f"{width}x{height}", "--data", str(data), *choice], env=env, check=False)
            report = out / f"problems-{width}x{height}.txt"
            if done.returncode not in (0, 1) or not report.exists():
                problems.append(f"rendering at {width}x{height} failed ({done.returncode})")
                continue
            problems += [line for line in report.read_text(encoding="utf-8").splitlines()
                         if line]
            report.unlink()
    (out / "problems.txt").write_text("\n".join(problems) + ("\n" if problems else ""),
                                      encoding="utf-8")
    shots = len(list(out.glob("*.png")))
    print(f"{shots} screens in {out}; {len(problems)} texts that do not fit"
          + ("" if not problems else ":\n" + "\n".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
