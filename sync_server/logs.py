"""The server's logging: one line per record, and never a traceback.

A traceback can quote what a request carried (pydantic's errors and database errors repeat
their input), so ``SafeFormatter`` writes an exception as its type alone, whoever logged it:
our code, uvicorn or a library. Uvicorn's access log is off (it prints paths with their query
strings); ``imi.access`` logs method, route template, status, duration and request id instead.

Two formats (``imi-server run --log-format``): ``text``, one readable line per record for a
console, and ``json``, one JSON object per line for a log collector (the systemd unit's choice),
with the keys ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message`` and ``request_id``
(null outside a request); access lines add ``method``, ``route``, ``status`` and ``duration``
(seconds).
"""

import contextvars
import datetime as dt
import logging
from types import TracebackType
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FORMATS = ("text", "json")
# The id of the request being answered (``errors.RequestScope`` sets it): the JSON format
# writes it on every record logged while answering, also from the thread pool.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id",
                                                                          default=None)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class WithheldDetails:
    """Formatter methods writing an exception as its type name, and no stack at all."""

    def formatException(self, ei: ExcInfo) -> str:
        kind = ei[0]
        return f"({kind.__name__}; details withheld)" if kind is not None else ""

    def formatStack(self, stack_info: str) -> str:  # noqa: ARG002 - the stack is withheld
        return ""


class SafeFormatter(WithheldDetails, logging.Formatter):
    """One readable line per record, without tracebacks or stacks."""


class SafeJsonFormatter(WithheldDetails, JsonFormatter):
    """One JSON object per record, as safe as ``SafeFormatter``: an exception by type only."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            # uvicorn repeats its message with terminal colours: not for a log collector.
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        del datefmt
        return dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
            timespec="milliseconds")

class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was logged in (``REQUEST_ID``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


def log_config(level: str, log_format: str = "text") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``imi-server run``, given to uvicorn as its own."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r} is not one of {', '.join(LOG_FORMATS)}")
    level = level.upper()
    formatter: dict[str, Any] = ({"()": SafeJsonFormatter} if log_format == "json"
                                 else {"()": SafeFormatter, "fmt": FORMAT})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"safe": formatter},
        "filters": {"request_id": {"()": RequestIdFilter}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "safe",
                       "filters": ["request_id"], "stream": "ext://sys.stderr"},
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # Uvicorn's loggers write through the same handler, so through the same formatter.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
