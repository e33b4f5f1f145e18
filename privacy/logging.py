"""Masked logging: a filter for handlers, a formatter for dictConfig, and ``install()`` for a running process.

A filter on a logger only sees the records logged on that very logger, not those propagated from its
children, so the masking that matters sits on the handlers: ``install()`` puts one ``MaskingFilter`` on every
existing handler of the root logger and of the named loggers (and on the logger itself, and on
``logging.lastResort``). Handlers created later (uvicorn and Sanic configure theirs at start-up) need
``install()`` again, or ``privacy/logging.yml`` given to the server.

The filter masks the message, its arguments (strings, and any other object whose text holds personal
data), the exception and stack text, and string extras; the formatter masks the whole formatted line,
whatever the filters did.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Optional

from privacy.masking import contains_personal_data, mask_text

__all__ = ["DEFAULT_LOGGERS", "MaskingFilter", "MaskingFormatter", "capture_warnings", "install"]

DEFAULT_LOGGERS = (
    "", "uvicorn", "uvicorn.access", "uvicorn.error", "eligibility", "rasa", "rasa_sdk", "sanic", "sanic.root",
    "sanic.access", "sanic.error", "idp", "actions",
    # HTTP clients log every request line at INFO or DEBUG, paths and query strings included
    "httpx", "urllib3.connectionpool",
)

# The attributes every LogRecord has; any other attribute was passed as ``extra=``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class _Masked:
    """Stands in for a log argument whose text holds personal data: formats as the masked text."""

    __slots__ = ("_str", "_repr")

    def __init__(self, value: Any):
        self._str = mask_text(str(value))
        self._repr = mask_text(repr(value))

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return self._repr


def _mask_arg(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value  # kept for %d / %f; a number that still leaks is handled by the whole-message fallback
    try:
        if contains_personal_data(str(value)) or contains_personal_data(repr(value)):
            return _Masked(value)
    except Exception:  # a broken __str__ is the formatter's problem, not ours
        return value
    return value


class MaskingFilter(logging.Filter):
    """Masks personal data in a record before any handler formats it; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        elif record.msg is not None and contains_personal_data(str(record.msg)):
            record.msg = mask_text(str(record.msg))
        args: Any = record.args
        if args:
            if isinstance(args, tuple):
                record.args = tuple(_mask_arg(a) for a in args)
            elif isinstance(args, dict):
                record.args = {k: _mask_arg(v) for k, v in args.items()}
            try:
                leaked = contains_personal_data(record.getMessage())
            except Exception:  # a bad format string is reported by the handler as usual
                leaked = False
            if leaked:  # a number argument holding personal data: freeze the masked message
                record.msg, record.args = mask_text(record.getMessage()), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        for key, value in record.__dict__.items():
            if isinstance(value, str) and (key not in _STANDARD or key == "message"):
                record.__dict__[key] = mask_text(value)
        return True


class MaskingFormatter(logging.Formatter):
    """A ``logging.Formatter`` whose output is masked; or, given ``inner``, a wrapper masking that formatter.

    For dictConfig: ``{"class": "privacy.logging.MaskingFormatter", "format": "..."}``.
    """

    def __init__(self, fmt: Optional[str] = None, datefmt: Optional[str] = None, style: Any = "%",
                 validate: bool = True, *, inner: Optional[logging.Formatter] = None):
        super().__init__(fmt, datefmt, style, validate)
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record) if self.inner is not None else super().format(record)
        return mask_text(text)


def _add(target: Any, mask: MaskingFilter) -> None:
    if not any(isinstance(f, MaskingFilter) for f in target.filters):
        target.addFilter(mask)


def capture_warnings() -> None:
    """Send ``warnings.warn`` through logging (logger ``py.warnings``), so the masking handlers see it.

    Python prints a warning straight to stderr, past every handler; Rasa warns with the user's text in it
    (a ``/intent{...}`` message it cannot parse is quoted whole)."""
    logging.captureWarnings(True)


def install(*logger_names: str, loggers: Iterable[str] = DEFAULT_LOGGERS) -> MaskingFilter:
    """Put a MaskingFilter on the named loggers, on their existing handlers and on the root's; send warnings
    through logging; idempotent."""
    capture_warnings()
    mask = MaskingFilter()
    for name in dict.fromkeys([*loggers, *logger_names]):
        logger = logging.getLogger(name)
        _add(logger, mask)
        for handler in logger.handlers:
            _add(handler, mask)
    if logging.lastResort is not None:
        _add(logging.lastResort, mask)
    return mask
