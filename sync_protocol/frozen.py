"""The base of every protocol value: frozen, and refusing fields it does not define.

Messages, mutation arguments, case records and catalogue entries all validate themselves when
built (as h11's events do) and cannot change afterwards; an unknown field is an error, not
something silently dropped.
"""

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
