#!/usr/bin/env bash
# Builds build/windows/imi-desk.wxs with wixl (Debian's msitools) to check the source, on a
# stand-in bundle (the Windows bundle itself can only be made on Windows):
#   build/windows/check-wxs.sh BUNDLE_DIR ICON_FILE OUT.msi
# BUNDLE_DIR is any folder laid out like the PyInstaller bundle (imi-desk.exe, _internal/).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BUNDLE="$(cd "$1" && pwd)"
ICON="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
OUT="$3"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# wixl resolves sources relative to its working folder only.
ln -s "$BUNDLE" "$WORK/bundle"
cp "$ICON" "$WORK/imi-desk.ico"
(cd "$BUNDLE" && find . -type f | LC_ALL=C sort) |
    wixl-heat -p ./ --var var.BundleDir --directory-ref INSTALLDIR \
        --component-group BundleFiles --win64 > "$WORK/files.wxs"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$HERE/../../pyproject.toml")"
(cd "$WORK" && wixl -a x64 -D WIXL=1 -D Win64=yes -D "Version=$VERSION" -D BundleDir=bundle \
    -D IconFile=imi-desk.ico -o out.msi "$HERE/imi-desk.wxs" files.wxs)
mv "$WORK/out.msi" "$OUT"
