"""Logging for the server: API keys never reach a log line; ``--log-format json`` writes one JSON object a line.

Clients sometimes put ``api_key=...`` in the query string (LibreTranslate accepts it there too), and
uvicorn's access log prints the whole request line. :class:`RedactSecrets` rewrites such values, and
any configured key that appears verbatim, to ``***`` before a record is written.

In JSON (python-json-logger's formatter) every line has ``time`` (ISO 8601, UTC), ``level``, ``logger`` and
``event``, and ``request_id`` when it was written for a request (:class:`WithRequestId`). uvicorn's access line
(the raw request line, query string included) is replaced there by Kabar's own ``request`` event
(ui/metrics.py), which names the route's template, never what the client typed.
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


class WithRequestId(logging.Filter):
    """Adds ``request_id`` to a record written while a request is worked on."""

    def filter(self, record: logging.LogRecord) -> bool:
        from ui.metrics import request_id

        rid = request_id()
        if rid is not None and not hasattr(record, "request_id"):
            record.request_id = rid
        return True


# libraries that log every HTTP call they make at INFO (with its address): kept to warnings in JSON logs
QUIET_LOGGERS = ("httpx", "httpcore", "urllib3", "gradio", "matplotlib", "PIL")


def uvicorn_log_config(keys: tuple[str, ...] = (), *, json_lines: bool = False, level: str = "warning") -> dict:
    """The server's logging config: uvicorn's own with :class:`RedactSecrets` on every handler, or with
    ``json_lines`` one JSON object a line for every logger, uvicorn's access line replaced by Kabar's
    ``request`` event (pass ``access_log=False`` to uvicorn.Config too: it sets the access logger's level)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    filters = {"redact": {"()": RedactSecrets, "keys": tuple(keys)}, "request_id": {"()": WithRequestId}}
    if not json_lines:
        config = copy.deepcopy(LOGGING_CONFIG)
        config.setdefault("filters", {}).update(filters)
        for handler in config["handlers"].values():
            handler.setdefault("filters", []).append("redact")
        config["loggers"]["kabar.access"] = {"handlers": [], "level": "CRITICAL", "propagate": False}
        return config
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": filters,
        "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                                "fmt": "%(levelname)s %(name)s %(message)s",
                                "rename_fields": {"levelname": "level", "name": "logger", "message": "event"},
                                "timestamp": "time", "json_ensure_ascii": False}},
        "handlers": {"json": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "json",
                              "filters": ["redact", "request_id"]}},
        "loggers": {
            "uvicorn": {"handlers": ["json"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "kabar.access": {"handlers": ["json"], "level": upper, "propagate": False},
            **{name: {"level": "WARNING"} for name in QUIET_LOGGERS},
        },
        "root": {"handlers": ["json"], "level": upper},
    }
