"""The GenAI events, emitted as OpenTelemetry log records through the Logs API.

In every revision of the GenAI conventions an event is a log record with an `event_name`, sent
through the Logs API with the context of the span it belongs to (so it carries that span's trace
and span ids). The bridge emits three:

| event                                         | severity | when                          |
| --------------------------------------------- | -------- | ----------------------------- |
| `gen_ai.client.inference.operation.details`   | DEBUG    | a model call, when enabled    |
| `gen_ai.client.operation.exception`           | WARN     | a model call that failed      |
| `gen_ai.guardrail.result`                     | INFO     | every guardrail verdict       |

Log records go to the LoggerProvider given to the processor, else the global one (which
`setup.py` builds from `OTEL_LOGS_EXPORTER` like the other two signals, or the app installed).
When neither exists, nothing is built.

Some backends read only span events: `OTEL_AGENTS_SPAN_EVENTS=true` also adds each event to its
span (structured values as JSON strings there, since span attributes cannot hold maps). Default
off: the spec's events are log records, and a copy on the span doubles the data.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry._logs import (
    Logger,
    LoggerProvider,
    NoOpLoggerProvider,
    SeverityNumber,
    get_logger_provider,
)
from opentelemetry.util.types import AttributeValue

from . import semconv as sc
from .capture import CaptureMode, to_json

logger = logging.getLogger("otel_agents.otel")

SPAN_EVENTS_ENV = "OTEL_AGENTS_SPAN_EVENTS"
"""`true` copies every event onto its span as a span event as well (default `false`)."""

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
_warned: set[str] = set()


def span_events_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Reads `OTEL_AGENTS_SPAN_EVENTS`; an unknown value warns once and means off."""
    raw = (os.environ if environ is None else environ).get(SPAN_EVENTS_ENV, "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE and raw not in _warned:
        _warned.add(raw)
        logger.warning(
            "%s=%r is not a valid value (valid: true, false); span events stay off",
            SPAN_EVENTS_ENV,
            raw,
        )
    return False


class Events:
    """Emits events as log records (and, opted in, as span events). Never raises into a run.

    Args:
        logger_provider: Where log records go; the global provider (looked up on each use until
            a real one is installed) when None.
        span_events: Also add each event to its span; None reads `OTEL_AGENTS_SPAN_EVENTS`.
        version: The instrumentation scope version.
    """

    def __init__(
        self,
        logger_provider: LoggerProvider | None = None,
        span_events: bool | None = None,
        version: str = "",
    ) -> None:
        self._provider = logger_provider
        self._version = version
        self._logger: Logger | None = None
        self.span_events = span_events_enabled() if span_events is None else span_events

    @property
    def logs_enabled(self) -> bool:
        """Whether a LoggerProvider that exports anything is in place."""
        return self._get_logger() is not None

    @property
    def enabled(self) -> bool:
        """Whether an event would go anywhere (a log record or a span event)."""
        return self.span_events or self._get_logger() is not None

    def emit(
        self,
        name: str,
        severity: SeverityNumber,
        attributes: Mapping[str, Any],
        span: trace_api.Span,
        timestamp_ns: int | None,
    ) -> None:
        """One event about `span` (which must not have ended yet when span events are on)."""
        log = self._get_logger()
        if log is not None:
            log.emit(
                timestamp=timestamp_ns,
                context=trace_api.set_span_in_context(span),
                severity_number=severity,
                severity_text=_SEVERITY_TEXT.get(severity),
                attributes=dict(attributes),
                event_name=name,
            )
        if self.span_events and span.is_recording():
            span.add_event(name, _flat(attributes), timestamp=timestamp_ns)

    def force_flush(self, timeout_millis: int) -> None:
        """Flushes the LoggerProvider in use, if it can be flushed."""
        provider = self._provider or get_logger_provider()
        flush = getattr(provider, "force_flush", None)
        if flush is not None:
            flush(timeout_millis)

    def _get_logger(self) -> Logger | None:
        if self._logger is not None:
            return self._logger
        provider = self._provider or get_logger_provider()
        if _is_placeholder(provider):
            return None  # looked up again next time: the app may install one later
        self._logger = provider.get_logger(sc.SCOPE_NAME, self._version)
        return self._logger


def _is_placeholder(provider: LoggerProvider) -> bool:
    # The API's defaults before any SDK provider is installed; their loggers drop everything.
    if isinstance(provider, NoOpLoggerProvider):
        return True
    return type(provider).__name__ == "ProxyLoggerProvider"


def _flat(attributes: Mapping[str, Any]) -> dict[str, AttributeValue]:
    out: dict[str, AttributeValue] = {}
    for key, value in attributes.items():
        if isinstance(value, (str, bool, int, float)):
            out[key] = value
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            out[key] = list(value)
        elif value is not None:
            out[key] = to_json(value, 1 << 30)
    return out


_SEVERITY_TEXT = {
    SeverityNumber.DEBUG: "DEBUG",
    SeverityNumber.INFO: "INFO",
    SeverityNumber.WARN: "WARN",
    SeverityNumber.ERROR: "ERROR",
}


EMIT_EVENT_ENV = "OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT"
"""`true`/`false`: emit `gen_ai.client.inference.operation.details` for every model call (read by
the official GenAI instrumentations too); unset, it follows the content capture mode."""


def details_event_enabled(capture: CaptureMode, environ: Mapping[str, str] | None = None) -> bool:
    """Whether model calls get a details event: `OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT`, else
    whether content goes to events (`EVENT_ONLY`, `SPAN_AND_EVENT`), as util-genai decides."""
    raw = (os.environ if environ is None else environ).get(EMIT_EVENT_ENV, "")
    value = raw.strip().lower()
    if value == "true":
        return True
    if value == "false":
        return False
    if value and raw not in _warned:
        _warned.add(raw)
        logger.warning(
            "%s=%r is not a valid value (valid: true, false); following the capture mode",
            EMIT_EVENT_ENV,
            raw,
        )
    return capture.on_event
