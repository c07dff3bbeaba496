"""Colleagues: the users of one's own authority, as its replicas know them (M6).

The server publishes each active user to the audience of their own authority only, as
entity kind ``colleague``: the id, the name shown, the roles and the legislative areas they
work in. Never the user name, e-mail or phone. A deactivated user is revoked from the
replicas. An allocator picks a request handler among them for a case (``case.allocate``).
"""

from typing import Annotated, Final

from pydantic import StringConstraints

from sync_protocol.catalogue import Code
from sync_protocol.frozen import Frozen
from sync_protocol.text import Name

REQUEST_HANDLER: Final = "request_handler"
ALLOCATOR: Final = "allocator"

UserIdStr = Annotated[str, StringConstraints(min_length=1, max_length=64)]
RoleName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]


class Colleague(Frozen):
    id: UserIdStr
    display_name: Name
    roles: tuple[RoleName, ...] = ()
    # The areas the user works in; empty: not limited per area (as ``Actor.areas`` None).
    areas: tuple[Code, ...] = ()

    def handles(self, area: str) -> bool:
        """Whether this colleague may be given a case of ``area`` to handle."""
        return REQUEST_HANDLER in self.roles and (not self.areas or area in self.areas)
