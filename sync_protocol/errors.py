"""Errors that say whose fault they are.

A ``LocalProtocolError`` is raised when *we* were about to do something the protocol forbids
(our bug or our user's input); a ``RemoteProtocolError`` when the peer sent something invalid.
Each carries a machine-readable ``code`` and the HTTP status a server should answer with.
"""


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, *, status_hint: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status_hint = status_hint


class LocalProtocolError(ProtocolError):
    """We (or our user) tried something the protocol does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol does not allow."""


class WorkflowRefused(LocalProtocolError):
    """A workflow step is not allowed for this actor, in this state, with these arguments.

    The server stores the refusal as a *rejected* mutation with ``code`` and ``message``; the
    client shows it in its *Needs attention* list.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, status_hint=409)
