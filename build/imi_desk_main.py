"""Entry point of the packaged client (PyInstaller runs this file as ``imi-desk``)."""

import sys

from desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
