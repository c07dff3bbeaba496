"""The IMI desktop client: a PySide6 window over a local encrypted replica that works offline."""
