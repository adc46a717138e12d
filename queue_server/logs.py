"""Structured logs: with `QUEUE_LOG_FORMAT=json`, one JSON object per line.

Each line has `ts` (UTC), `level`, `logger` and `msg`; a line written while
a request is handled also has its `request_id` (the caller's `X-Request-Id`
when it is sane, else one made here, and sent back in that header), and the
access line of each request (logger `queue_server.access`) has `method`,
`route` (the template, `/api/tickets/{id}`: never the path, which holds
ticket ids and booking codes), `hall`, `status` and `ms`.

Never a token, ticket id, ID number, name or phone: messages pass through
the same scrubbing as the text logs (`edge.Redact`), and the access line is
built from the route template and the status only.
"""

import json
import logging
import re
import secrets
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from .edge import Redact

FORMATS = ("text", "json")
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_EXTRA = ("method", "route", "hall", "status", "ms")

access = logging.getLogger("queue_server.access")


def request_id(given: str | None) -> str:
    """The caller's id when it is one a log can hold, else a new one."""
    return given if given and _SANE_ID.fullmatch(given) else secrets.token_hex(8)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": Redact.scrub(record.getMessage()),
        }
        if (rid := getattr(record, "request_id", None) or REQUEST_ID.get()) is not None:
            entry["request_id"] = rid
        entry |= {k: getattr(record, k) for k in _EXTRA if hasattr(record, k)}
        if record.exc_info:
            entry["exc"] = Redact.scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def uvicorn_config(log_format: str) -> dict[str, Any] | None:
    """uvicorn's `log_config` for `log_format`; None keeps uvicorn's own (text)."""
    if log_format != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "level": "INFO", "propagate": True},
            "uvicorn.error": {"handlers": [], "level": "INFO", "propagate": True},
        },
    }
