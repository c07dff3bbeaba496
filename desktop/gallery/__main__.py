"""``python -m desktop.gallery OUT``: see ``desktop.gallery``."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from desktop.gallery import SIZES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.gallery",
                                     description="render every screen to PNG files")
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--render", metavar="WxH", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    options.out.mkdir(parents=True, exist_ok=True)
    if options.render:
        from desktop.gallery.render import render_all

        width, height = (int(v) for v in options.render.split("x"))
        return render_all(options.out, options.data, width, height)
    return _gallery(options.out)


def _gallery(out: Path) -> int:
    from desktop.gallery.demo_data import prepare

    with tempfile.TemporaryDirectory(prefix="imi-gallery-") as temp:
        base = Path(temp)
        print("Preparing demo data (a local server and two officers' replicas)…")
        profiles = prepare(base)
        problems: list[str] = []
        for width, height in SIZES:
            screen = base / f"screen-{width}x{height}.json"
            screen.write_text(json.dumps({"screens": [{
                "name": "gallery", "x": 0, "y": 0, "width": width, "height": height,
                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
            env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}")
            # Each size works on its own copy: a step taken while rendering stays there.
            data = base / f"data-{width}x{height}"
            for officer in profiles:
                shutil.copytree(profiles[officer], data / officer)
            print(f"Rendering at {width}x{height}…")
            done = subprocess.run(
                [sys.executable, "-m", "desktop.gallery", str(out), "--render",
                 f"{width}x{height}", "--data", str(data)], env=env, check=False)
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
