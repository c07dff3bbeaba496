"""Links that open a case in the desktop client: ``imi://case/<case id>``.

The server puts them in mails (which carry no personal data, only the link and a reference);
the client, registered as the handler of the ``imi`` scheme, opens the case after unlock.
"""

import re
from typing import Final

SCHEME: Final = "imi://"
_CASE = re.compile(r"^imi://case/([0-9a-f]{32})/?$")


def case_link(case_id: str) -> str:
    return f"{SCHEME}case/{case_id}"


def case_id_from_link(link: str) -> str | None:
    """The case a link names, or None if it is not a case link."""
    match = _CASE.match(link.strip())
    return match.group(1) if match else None
