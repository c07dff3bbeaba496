"""Which server addresses a profile may use: https, or plain http to this computer only.

Over plain ``http://`` the password, the session token and every case would cross the network
unencrypted. Loopback (``localhost``, 127.0.0.0/8, ``::1``) stays on this computer, which the
demo and the tests use. An administrator who terminates TLS elsewhere on a trusted network
(a local proxy, a tunnel) allows plain http explicitly with ``IMI_ALLOW_INSECURE_HTTP=1``.
"""

import ipaddress
import os
from urllib.parse import urlsplit

ALLOW_INSECURE_HTTP = "IMI_ALLOW_INSECURE_HTTP"


class NotAServerAddress(ValueError):
    """Not an ``http(s)://host`` address at all."""


class InsecureServerAddress(ValueError):
    """Plain ``http://`` to another computer, and the administrator has not allowed it."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check(url: str) -> None:
    """Raise ``NotAServerAddress`` or ``InsecureServerAddress`` if a profile may not use ``url``."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 literal
        raise NotAServerAddress(url) from None
    if parts.scheme not in ("http", "https") or not host:
        raise NotAServerAddress(url)
    if parts.scheme == "http" and not _loopback(host) and (
            os.environ.get(ALLOW_INSECURE_HTTP) != "1"):
        raise InsecureServerAddress(url)
