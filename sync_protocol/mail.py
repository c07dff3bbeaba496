"""Wire messages of a user's mail settings (``GET/PUT /v1/account/mail``), and their rule.

``choice``: ``each`` (a mail per event that needs the user's action), ``digest`` (one summary
a day) or ``none``. Mail needs an address; the server refuses a choice of mail without one
(``mail_address_missing``) and an address that cannot be one (``invalid_mail_address``).
"""

import re
from typing import Annotated, Literal

from pydantic import StringConstraints

from sync_protocol.errors import LocalProtocolError
from sync_protocol.messages import Message

MailChoice = Literal["each", "digest", "none"]
# One @, no spaces, a dot in the domain: what an administration's address looks like. The
# SMTP server is the real judge; this catches typing slips before any mail is queued.
_ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


class MailSettings(Message):
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] = ""
    choice: MailChoice = "none"


def check_mail_settings(settings: MailSettings) -> None:
    """Raise ``LocalProtocolError`` (for the client to show before sending, and the server to
    answer with) when the settings cannot work."""
    if settings.address and not _ADDRESS.match(settings.address):
        raise LocalProtocolError("invalid_mail_address", "this is not an e-mail address",
                                 status_hint=422)
    if settings.choice != "none" and not settings.address:
        raise LocalProtocolError("mail_address_missing", "give an e-mail address to get mail",
                                 status_hint=422)
