"""Wire messages of account administration: what an administrator changed, and the result.

Administration routes (``/v1/admin/...``) answer with an ``AccountState``: the target, whether
it is active now, and how many sign-in tokens the action revoked.
"""

from typing import Literal

from sync_protocol.messages import Message

TargetKind = Literal["user", "authority", "device"]


class AccountState(Message):
    kind: TargetKind
    id: str
    active: bool | None = None
    tokens_revoked: int = 0
