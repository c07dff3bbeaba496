"""Integer and time bounds of the wire: what the databases on both sides can store.

An integer beyond them is refused when the message is read (a clear 422), never passed on to
a database driver that would fail on it. The bounds are part of the OpenAPI description.
"""

import datetime as dt
from typing import Annotated, Final

from pydantic import AfterValidator, AwareDatetime, Field

INT32_MAX: Final = 2**31 - 1
# The largest integer every JSON parser holds exactly (JavaScript's MAX_SAFE_INTEGER; the
# OpenAPI document itself writes bounds as floats): well inside a 64-bit column.
SAFE_INT_MAX: Final = 2**53 - 1

Version = Annotated[int, Field(ge=1, le=INT32_MAX)]
# Any integer a database column could hold, for values checked by the reader (a version
# named in a query is compared, then refused with its own code, never stored).
Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
"""A version number (of a case, of a question set): stored as a 32-bit integer."""

MutationId = Annotated[int, Field(ge=1, le=SAFE_INT_MAX)]
"""A device's mutation id: stored as a 64-bit integer, bounded where JSON is exact."""

# Timestamps a client may send: from the first IMI release to well after any device's clock.
EARLIEST: Final = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST: Final = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


def _in_range(value: dt.datetime) -> dt.datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return value


Timestamp = Annotated[
    AwareDatetime,
    AfterValidator(_in_range),
    Field(json_schema_extra={
        "description": f"with a time zone, from {EARLIEST.isoformat()} "
                       f"to before {LATEST.isoformat()}",
    }),
]
"""A moment with a time zone, between ``EARLIEST`` and ``LATEST``."""

Date = Annotated[dt.date, Field(ge=EARLIEST.date(), lt=LATEST.date(), json_schema_extra={
    "description": f"from {EARLIEST.date()} to before {LATEST.date()}"})]
"""A date the workflow sets (an answer date): in the same range as ``Timestamp``."""

BirthDate = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), lt=LATEST.date(), json_schema_extra={
    "description": f"from 1900-01-01 to before {LATEST.date()}"})]
"""A person's date of birth."""
