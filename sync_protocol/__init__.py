"""Sans-IO core of the IMI sync protocol.

This package owns the wire messages, the request workflow's transition table, the catalogue
format and the cursor rules. It contains no networking, no database and no Qt: the server and
the desktop client do the I/O and both call into this package, so the rules exist once.
"""

from sync_protocol.version import PROTOCOL_VERSION

__all__ = ["PROTOCOL_VERSION"]
