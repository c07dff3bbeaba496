#!/usr/bin/env bash
# Builds the client packages for Linux in one go:
#   1. a PyInstaller one-folder bundle of imi-desk (build/imi-desk.spec), with the UI
#      catalogues, Qt's translations and the sqlcipher3 module;
#   2. a .deb made from it with dpkg-deb: /opt/imi-desk, /usr/bin/imi-desk, desktop entries
#      (IMI and IMI Training), icons, and /etc/xdg/IMI/imi-desk.conf (the machine's roll-out
#      settings, a conffile: dpkg keeps an administrator's edits on upgrade).
# usage: build/build-client.sh [OUT_DIR]        (default: build/dist; needs ./run.sh's .venv)
# Writes OUT_DIR/bundle/imi-desk/ and OUT_DIR/imi-desk_VERSION_ARCH.deb.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/build/dist}" && cd "${1:-$ROOT/build/dist}" && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
cd "$ROOT"

VERSION="$("$PY" -c 'import importlib.metadata as m; print(m.version("imi"))')"
ARCH="$(dpkg --print-architecture)"
export QT_QPA_PLATFORM=offscreen

"$PY" -m PyInstaller --noconfirm --log-level WARN --distpath "$OUT/bundle" \
    --workpath "$OUT/work" build/imi-desk.spec
"$PY" build/render_icons.py build/icons/imi-desk.svg "$OUT/icons"

PKG="$OUT/deb"
rm -rf "$PKG"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
    "$PKG/usr/share/icons/hicolor/scalable/apps" "$PKG/etc/xdg/IMI"
cp -a "$OUT/bundle/imi-desk" "$PKG/opt/imi-desk"
ln -s /opt/imi-desk/imi-desk "$PKG/usr/bin/imi-desk"
install -m 644 build/linux/imi-desk.desktop build/linux/imi-desk-training.desktop \
    "$PKG/usr/share/applications/"
install -m 644 build/icons/imi-desk.svg "$PKG/usr/share/icons/hicolor/scalable/apps/"
for size in 16 32 48 64 128 256; do
    mkdir -p "$PKG/usr/share/icons/hicolor/${size}x${size}/apps"
    install -m 644 "$OUT/icons/$size.png" \
        "$PKG/usr/share/icons/hicolor/${size}x${size}/apps/imi-desk.png"
done
install -m 644 build/linux/imi-desk.conf "$PKG/etc/xdg/IMI/imi-desk.conf"
echo /etc/xdg/IMI/imi-desk.conf > "$PKG/DEBIAN/conffiles"
# Depends: what Qt's X11 (xcb) platform needs from the system. Recommends: what the optional
# plugins need (GTK look on GNOME desktops, native Wayland); without them Qt uses X11/Fusion.
cat > "$PKG/DEBIAN/control" <<CONTROL
Package: imi-desk
Version: $VERSION
Architecture: $ARCH
Maintainer: IMI project <imi@localhost>
Section: misc
Priority: optional
Installed-Size: $(du -sk "$PKG" | cut -f1)
Depends: libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxkbcommon-x11-0, libegl1, libfontconfig1
Recommends: libgtk-3-0, libwayland-cursor0, libwayland-egl1
Description: IMI desktop client (Internal Market Information system)
 Offline-capable client through which competent authorities of the EEA find each other
 and exchange information; keeps an encrypted replica of its authority's cases.
 Machine-wide roll-out settings: /etc/xdg/IMI/imi-desk.conf.
CONTROL
# gzip -1: the bundle is mostly compressed libraries; xz would add minutes for a few MB.
dpkg-deb --root-owner-group -Zgzip -z1 --build "$PKG" "$OUT/imi-desk_${VERSION}_${ARCH}.deb" >/dev/null
echo "$OUT/imi-desk_${VERSION}_${ARCH}.deb"
