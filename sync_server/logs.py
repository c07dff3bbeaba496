"""The server's logging: one line per record, and never a traceback.

A traceback can quote what a request carried (pydantic's errors and database errors repeat
their input), so ``SafeFormatter`` writes an exception as its type alone, whoever logged it:
our code, uvicorn or a library. Uvicorn's access log is off (it prints paths with their query
strings); ``imi.access`` logs method, route template, status, duration and request id instead.
"""

import logging
from types import TracebackType
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class SafeFormatter(logging.Formatter):
    """Formats records without tracebacks or stacks: only the exception's type name."""

    def formatException(self, ei: ExcInfo) -> str:
        kind = ei[0]
        return f"({kind.__name__}; details withheld)" if kind is not None else ""

    def formatStack(self, stack_info: str) -> str:  # noqa: ARG002 - the stack is withheld
        return ""


def log_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``imi-server run``, given to uvicorn as its own."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"safe": {"()": SafeFormatter, "fmt": FORMAT}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "safe",
                       "stream": "ext://sys.stderr"},
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # Uvicorn's loggers write through the same handler, so through the same formatter.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": True},
        },
    }
