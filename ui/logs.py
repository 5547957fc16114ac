"""Logging for the server: API keys never reach a log line.

Clients sometimes put ``api_key=...`` in the query string (LibreTranslate accepts it there too), and
uvicorn's access log prints the whole request line. :class:`RedactSecrets` rewrites such values, and
any configured key that appears verbatim, to ``***`` before a record is written.
"""
from __future__ import annotations

import logging
import re

_QUERY_SECRET = re.compile(r"((?:api_key|apikey|key|token|access_token)=)[^&\s\"']+", re.IGNORECASE)
REDACTED = "***"


class RedactSecrets(logging.Filter):
    """A filter that masks secrets in a record's formatted message and arguments."""

    def __init__(self, keys: tuple[str, ...] = ()):
        super().__init__()
        self.keys = tuple(k for k in keys if k)

    def clean(self, text: str) -> str:
        text = _QUERY_SECRET.sub(r"\1" + REDACTED, text)
        for key in self.keys:
            text = text.replace(key, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {k: self.clean(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(self.clean(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = self.clean(record.msg)
        return True


def uvicorn_log_config(keys: tuple[str, ...] = ()) -> dict:
    """uvicorn's own logging config with :class:`RedactSecrets` on every handler."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": RedactSecrets, "keys": tuple(keys)}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return config
