from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from oneclicktag.core.context import current_context

_CONTEXT_FIELDS = ("request_id", "organization_id", "user_id")
# OAuth authorization codes and our signed state, wherever a URL with them gets logged (the
# callback's query string in a server's request line, a library's debug line).
_OAUTH_SECRETS = re.compile(r"(?<![A-Za-z0-9_])((?:code|state)=)[^&\s\"']+")


def redact_oauth_secrets(text: str) -> str:
    return _OAUTH_SECRETS.sub(r"\1[redacted]", text)


def install_context_record_factory() -> None:
    """Stamp every log record with the request id, organization and user at creation time.

    A record factory (rather than only a handler filter) means every handler sees the fields,
    test capture included, whichever logger the record came from. Idempotent.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_oneclicktag_context", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        context = current_context()
        for name in _CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, getattr(context, name))
        return record

    factory._oneclicktag_context = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class RequestContextFilter(logging.Filter):
    """Stamps each record with the request id, organization and user of the current request
    (for records made before the factory was installed, e.g. during settings import)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_context()
        for name in _CONTEXT_FIELDS:
            if getattr(record, name, None) is None:
                setattr(record, name, getattr(context, name))
        return True


class JsonFormatter(logging.Formatter):
    _STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return redact_oauth_secrets(json.dumps(payload, default=str))
