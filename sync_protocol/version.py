"""Protocol versions, and how peers on different versions get along.

Rules this module owns:

- ``PROTOCOL_VERSION`` is bumped on any incompatible change to a wire message or a mutation.
- A server accepts requests in its own version and in the one before it, for one release:
  clients can be updated after the server, not all on the same day. Any other version is
  refused with ``unsupported_protocol_version`` (``accepted_versions``).
- A client too old for its server (refused with that code) stops syncing, keeps its outbox
  and tells the user to update; the updated client delivers the outbox.
- Within a version, readers ignore what they do not know: an entity kind a client has no
  table for is kept and ignored (``desktop.models.schema``, rung 2), never fatal.
"""

# Version 2: a case record lists its participants (authority and role in the case) and may
# wait for a coordinator's approval (states ``awaiting_approval``, ``reply_awaiting_approval``;
# mutations ``case.approve``, ``case.refuse``). The record keeps ``requester_authority_id`` and
# ``responder_authority_id`` for version-1 clients, which list their cases by them.
PROTOCOL_VERSION = 2
FIRST_PROTOCOL_VERSION = 1


def accepted_versions(current: int | None = None) -> range:
    """The request versions a peer speaking ``current`` (default: this one) accepts."""
    current = PROTOCOL_VERSION if current is None else current
    return range(max(FIRST_PROTOCOL_VERSION, current - 1), current + 1)
