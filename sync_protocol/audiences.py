"""Audience names: who may see a sync row.

Every change row carries its audiences; a caller's audiences come from its token, never from
the payload. This module owns how those names are spelled, for the server and the client.
"""

PUBLIC = "public"
"""Catalogue and directory: every signed-in replica."""


def authority_audience(authority_id: str) -> str:
    """The audience of everyone working for one authority."""
    return f"authority:{authority_id}"
