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
# Version 3: the full workflow (M5): mutations ``case.agree_date``, ``decline_date``,
# ``forward``, ``split``, ``ask_info``, ``give_info``, ``comment``, ``request_more``, ``rate``,
# ``escalate``, ``resolve_escalation``, ``allocate``; ``case.accept`` may propose a date; the
# record's fields for them (``sync_protocol.cases``) and the role ``escalation_coordinator``.
# A version-2 client still lists and works its cases: the server sends it each case as
# ``sync_protocol.cases.for_version`` strips it (without what version 3 added).
PROTOCOL_VERSION = 3
FIRST_PROTOCOL_VERSION = 1


def accepted_versions(current: int | None = None) -> range:
    """The request versions a peer speaking ``current`` (default: this one) accepts."""
    current = PROTOCOL_VERSION if current is None else current
    return range(max(FIRST_PROTOCOL_VERSION, current - 1), current + 1)
