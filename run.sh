#!/usr/bin/env bash
# The two set-up commands of the README:
#   ./run.sh demo   install everything, start a local server with demo data and two clients
#   ./run.sh test   install everything, run lint, type checks and the whole test suite
# Both create (or reuse) .venv with Python 3.11 or newer. PYTHON=/path/to/python overrides.
set -euo pipefail
cd "$(dirname "$0")"

find_python() {
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "IMI needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2
    exit 1
}

install() {
    if [ ! -x .venv/bin/python ]; then
        "$(find_python)" -m venv .venv
    fi
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
}

# The packaging tests build the .deb (dpkg-deb) and check the MSI source with wixl (Debian's
# wixl and msitools). They fail, never skip, without them; as root they are installed here.
packaging_tools() {
    if command -v wixl >/dev/null && command -v msiinfo >/dev/null; then
        return
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq wixl msitools >/dev/null
    else
        echo "run.sh: the packaging tests need wixl and msitools: sudo apt-get install wixl msitools" >&2
    fi
}

case "${1:-}" in
    demo)
        install
        shift
        exec .venv/bin/imi-desk demo "$@"
        ;;
    test)
        install
        shift
        packaging_tools
        export QT_QPA_PLATFORM=offscreen
        .venv/bin/ruff check .
        .venv/bin/mypy sync_protocol sync_server desktop
        # Most of the suite waits on servers, subprocesses and disks rather than the CPU: three
        # workers on two cores roughly halve the wall time. Each file stays on one worker
        # (tests/test_api_schema.py gathers its figures over its own tests, and the expensive
        # set-ups are per file); files go out in the collection's order, the long ones first
        # (LONG_FILES in tests/conftest.py), not by number of tests, which put them last.
        # IMI_TEST_WORKERS=0 runs in-process.
        exec .venv/bin/pytest -n "${IMI_TEST_WORKERS:-3}" --dist loadfile --no-loadscope-reorder "$@"
        ;;
    *)
        echo "usage: ./run.sh demo | ./run.sh test [pytest options]" >&2
        exit 2
        ;;
esac
