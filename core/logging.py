"""Structured logging: one JSON object per line on stderr. Never pass personal data into a log call.

An exception is logged by its type and frames only: its message (and its notes, and its causes' messages) may quote
what someone typed or what the database holds (a personal number in a failed INSERT, say), and local values are
never read. Python's own traceback text is therefore never written.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from types import TracebackType

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
MAX_FRAMES = 100  # per exception; a RecursionError would otherwise log a thousand frames
MAX_CHAIN = 10  # chained causes and sub-exceptions of a group, per level


_LONG_NUMBER = re.compile(r"\d{6,}")


def without_numbers(text: str) -> str:
    """`text` for a log line: every run of six or more digits (a personal or organisation number) replaced by …"""
    return _LONG_NUMBER.sub("…", text)


def exception_type(error: BaseException) -> str:
    cls = type(error)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _frames(tb: TracebackType | None) -> tuple[list[dict], int]:
    """(file, line, function, source line) of each frame, outermost first: read from the code, never the locals."""
    summaries = traceback.extract_tb(tb)  # FrameSummary captures no locals unless asked to
    omitted = max(0, len(summaries) - MAX_FRAMES)
    frames = [
        {"file": frame.filename, "line": frame.lineno, "function": frame.name, "code": frame.line or ""}
        for frame in summaries[omitted:]
    ]
    return frames, omitted


def describe_exception(error: BaseException, _seen: set[int] | None = None) -> dict:
    """The type and frames of `error`, of the exception it was raised from ("cause") or while handling ("context"),
    and of an exception group's members: never a message, a note or a local value."""
    seen = _seen if _seen is not None else set()
    seen.add(id(error))
    frames, omitted = _frames(error.__traceback__)
    entry: dict = {"type": exception_type(error), "frames": frames}
    if omitted:
        entry["frames_omitted"] = omitted
    if len(seen) > MAX_CHAIN:
        return entry
    if isinstance(error, BaseExceptionGroup):
        entry["exceptions"] = [
            describe_exception(member, seen) for member in error.exceptions[:MAX_CHAIN] if id(member) not in seen
        ]
    if error.__cause__ is not None and id(error.__cause__) not in seen:
        entry["cause"] = describe_exception(error.__cause__, seen)
    elif error.__context__ is not None and not error.__suppress_context__ and id(error.__context__) not in seen:
        entry["context"] = describe_exception(error.__context__, seen)
    return entry


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update({key: value for key, value in vars(record).items() if key not in _RESERVED})
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = describe_exception(record.exc_info[1])
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request with its URL at INFO: only our own, deliberate log lines belong in the log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
