"""`OTelTracingProcessor`: turns our traces and spans into OpenTelemetry spans and metrics.

Invariants (each has a test in tests/otel/):

- One OTel span per trace and per span, started and ended at the same nanoseconds as ours.
  State is one dict from our trace/span id to its OTel span, popped at end (every span ends
  exactly once). It is bounded (`max_open_spans`): past the bound the oldest entries are dropped
  and counted in `otel_agents.telemetry.dropped`.
- Parenting (see `parenting.py`): a span's OTel parent is the OTel span of our parent span, or of
  its trace. A trace started while an OTel span is current (a web request) nests under it;
  otherwise the root's OTel trace id equals our trace id. Open spans are the current OTel context
  (other instrumentation nests under them) and are detached without "Failed to detach context".
- Sampler-relevant attributes are set at start, late ones at end; content is serialised only when
  capture is on AND the span is recording. Metrics are recorded after the span has ended.
- Every attribute value goes through `redact` (if given), then is made UTF-8-encodable and bounded.
- The upstream OpenAI Agents SDK's traces and spans are accepted too (`agents.add_trace_processor`):
  `openai_agents.py` turns them into views of ours; its task and turn spans are passed through.
- Never raises into the run: internal errors are logged (type and location only, never values),
  at most once a minute per kind; with `OTEL_AGENTS_STRICT=1` (our tests) they are raised so bugs
  fail loudly.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry.metrics import MeterProvider, get_meter_provider
from opentelemetry.sdk.trace import SpanLimits
from opentelemetry.trace import Status, StatusCode, TracerProvider
from opentelemetry.util.types import AttributeValue

from ..tracing.processor import TracingProcessor
from ..tracing.span_data import AgentSpanData, GenerationSpanData
from ..tracing.spans import Span
from ..tracing.traces import Trace
from . import mapping
from . import semconv as sc
from .capture import DEFAULT_MAX_CONTENT_LENGTH, CaptureMode, clean_str, resolve_capture_mode
from .exporters import call_within
from .metrics import BridgeMetrics, get_metrics, scope_version
from .openai_agents import SdkAdapter, SdkSpanView
from .parenting import Attachments, Entry, enable_pinning, pin_span_id, pin_trace_id, unpin

logger = logging.getLogger("otel_agents.otel")

Redactor = Callable[[str, AttributeValue], AttributeValue | None]
"""`redact(key, value)` returns the value to export, or None to drop the attribute."""

_LOG_INTERVAL_S = 60.0
_MAX_NAME = 256


class OTelTracingProcessor(TracingProcessor):
    """A `TracingProcessor` that exports every trace and span as OpenTelemetry spans and metrics.

    Args:
        tracer_provider: Where spans go; the global provider (resolved lazily) when None.
        meter_provider: Where metrics go; the global provider when None.
        capture_content: Content capture mode (a `CaptureMode`, True/False, or a mode name); None
            reads `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (default: no content).
        redact: Called as `redact(key, value)` on every attribute value before it is set; return
            the value to export or None to drop the attribute.
        max_content_length: Longest content/JSON value exported; defaults to the provider's
            attribute length limit, or 32768 characters when none is set.
        max_open_spans: Bound on spans open at once before the oldest are dropped.
    """

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        capture_content: CaptureMode | bool | str | None = None,
        redact: Redactor | None = None,
        *,
        max_content_length: int | None = None,
        max_open_spans: int = 100_000,
    ) -> None:
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._capture = resolve_capture_mode(capture_content)
        self._redact = redact
        self._max_content_length = max_content_length
        self._limit = max_content_length or _attribute_limit(tracer_provider)
        self._max_open = max_open_spans
        self._tracer: trace_api.Tracer | None = None
        self._proxy_tracer: trace_api.Tracer | None = None
        self._metrics: BridgeMetrics | None = None
        self._open: dict[str, Entry] = {}
        self._attachments = Attachments()
        self._lock = threading.Lock()
        self._last_logged: dict[str, float] = {}
        # The OpenAI Agents SDK's objects -> views of ours (content converted only if captured).
        self._sdk = SdkAdapter(max_open_spans, content=self._capture.enabled)

    @property
    def capture_mode(self) -> CaptureMode:
        """The content capture mode in effect."""
        return self._capture

    # --- TracingProcessor ---------------------------------------------------------------------

    def on_trace_start(self, trace: Trace) -> None:
        try:
            if not isinstance(trace, Trace):
                trace = self._sdk.trace(trace)  # the OpenAI Agents SDK's traces -> views of ours
            self._attachments.unwind()
            start = mapping.trace_start(trace)
            tracer = self._tracer or self._get_tracer()
            token = pin_trace_id(trace.trace_id)
            try:
                otel_span = tracer.start_span(
                    _name(start.name),
                    kind=start.kind,
                    attributes=self._final(start.attributes),
                    start_time=trace.start_time_ns,
                )
            finally:
                unpin(token)
            entry = Entry(otel_span, None, trace.name, trace.group_id)
            self._attachments.attach(entry)
            self._store(trace.trace_id, entry)
        except Exception as error:
            self._internal_error("on_trace_start", error)

    def on_trace_end(self, trace: Trace) -> None:
        try:
            if not isinstance(trace, Trace):
                trace = self._sdk.trace(trace, ending=True)
            entry = self._open.pop(trace.trace_id, None)
            if entry is None:
                return
            self._attachments.release(entry)
            entry.otel_span.end(end_time=trace.end_time_ns)
            seconds = _seconds(trace.start_time_ns, trace.end_time_ns)
            if seconds is not None:
                (self._metrics or self._get_metrics()).record_workflow(entry.workflow, seconds)
        except Exception as error:
            self._internal_error("on_trace_end", error)

    def on_span_start(self, span: Span[Any]) -> None:
        try:
            if not isinstance(span, Span):
                view = self._sdk.span(span)  # the OpenAI Agents SDK's spans -> views of ours
                if view is None:
                    return  # an SDK task/turn span: passed through, its children nest above it
                span = view
            self._attachments.unwind()
            open_spans = self._open
            trace_entry = open_spans.get(span.trace_id)
            parent_id = span.parent_id
            parent = (open_spans.get(parent_id) if parent_id else None) or trace_entry
            group_id = trace_entry.group_id if trace_entry is not None else None
            data = span.span_data
            start = mapping.span_start(data, conversation_id=group_id)
            start.attributes[sc.OA_SPAN_ID] = span.span_id
            tracer = self._tracer or self._get_tracer()
            token = pin_span_id(span.span_id)
            try:
                otel_span = tracer.start_span(
                    _name(start.name),
                    context=parent.context if parent is not None else None,
                    kind=start.kind,
                    attributes=self._final(start.attributes),
                    start_time=span.start_time_ns,
                )
            finally:
                unpin(token)
            if isinstance(data, AgentSpanData):
                agent: str | None = data.name
            else:
                agent = parent.agent if parent is not None else None
            workflow = trace_entry.workflow if trace_entry is not None else None
            entry = Entry(otel_span, agent, workflow, group_id)
            self._attachments.attach(entry, suppress=isinstance(data, GenerationSpanData))
            self._store(span.span_id, entry)
        except Exception as error:
            self._internal_error("on_span_start", error)

    def on_span_end(self, span: Span[Any]) -> None:
        try:
            if not isinstance(span, Span):
                view = self._sdk.span(span, ending=True)
                if view is None:
                    return
                span = view
            entry = self._open.pop(span.span_id, None)
            if entry is None:
                return
            otel_span = entry.otel_span
            try:
                error_type = self._apply_end(otel_span, span)
            finally:  # even if mapping failed: never leave the span attached or open
                self._attachments.release(entry)
                otel_span.end(end_time=span.end_time_ns)
            (self._metrics or self._get_metrics()).record_span(
                span.span_data,
                _seconds(span.start_time_ns, span.end_time_ns),
                error_type=error_type,
                agent=entry.agent,
                workflow=entry.workflow,
            )
        except Exception as error:
            self._internal_error("on_span_end", error)

    def force_flush(self) -> None:
        """Asks the tracer and meter providers to export what they hold, waiting 5 s at most."""
        tracer_provider = self._tracer_provider or trace_api.get_tracer_provider()
        meter_provider = self._meter_provider or get_meter_provider()
        calls = [
            (provider, "force_flush", (5_000,))
            for provider in (tracer_provider, meter_provider)
            if hasattr(provider, "force_flush")
        ]
        call_within(calls, 5.0, "flush")

    def shutdown(self) -> None:
        """Forgets open spans. Providers are shut down by whoever installed them (setup.py)."""
        self._open.clear()
        self._attachments.clear()

    # --- internals ----------------------------------------------------------------------------

    def _apply_end(self, otel_span: trace_api.Span, span: Span[Any]) -> str | None:
        """Sets late attributes, content, events and status; returns the error type, if any."""
        error = span.error
        error_type = (error.type or sc.ERROR_TYPE_OTHER) if error is not None else None
        if not otel_span.is_recording():
            return error_type  # sampled out: build nothing, serialise nothing
        end_ns = span.end_time_ns
        capture = self._capture
        end = mapping.span_end(span.span_data, include_content=capture.enabled, limit=self._limit)
        attributes = end.attributes
        if type(span) is SdkSpanView and span.late_start is not None:
            late = span.late_start  # SDK spans: start fields filled after the start
            otel_span.update_name(_name(late.name))
            attributes = {**late.attributes, **attributes}  # one set_attributes call, same order
        if end.new_name:
            otel_span.update_name(_name(end.new_name))
        if attributes:
            otel_span.set_attributes(self._final(attributes))
        if end.content:
            content = self._final(end.content)
            if capture.on_span:
                otel_span.set_attributes(content)
            if capture.on_event and end.content_event:
                otel_span.add_event(end.content_event, content, timestamp=end_ns)
        for name, attrs in end.events:
            otel_span.add_event(name, self._final(attrs), timestamp=end_ns)
        if error is not None:
            info = mapping.error_info(error, include_content=capture.enabled, limit=self._limit)
            otel_span.set_attributes(self._final({sc.ERROR_TYPE: info.error_type}))
            event = self._final(info.event)
            otel_span.add_event(sc.EVENT_EXCEPTION, event, timestamp=end_ns)
            # With capture on, the description is the (redacted) message; else the type.
            description = event.get(sc.EXCEPTION_MESSAGE, info.error_type)
            otel_span.set_status(Status(StatusCode.ERROR, str(description)))
        return error_type

    def _store(self, key: str, entry: Entry) -> None:
        self._open[key] = entry
        if len(self._open) > self._max_open:
            self._evict()

    def _evict(self) -> None:
        evicted: list[Entry] = []
        with self._lock:
            while len(self._open) > self._max_open:
                try:
                    old = self._open.pop(next(iter(self._open)), None)
                except (StopIteration, RuntimeError):
                    break
                if old is not None:
                    evicted.append(old)
        for old in evicted:
            self._attachments.park(old)  # never exported, but detached when its Context unwinds
        dropped = len(evicted)
        if dropped:
            self._get_metrics().record_dropped("spans", dropped)
            self._log_limited(
                "evict",
                "otel-agents: more than %d spans open at once; dropped the oldest (counted in %s)",
                self._max_open,
                sc.METRIC_TELEMETRY_DROPPED,
            )

    def _get_tracer(self) -> trace_api.Tracer:
        if self._tracer is not None:
            return self._tracer
        provider = self._tracer_provider or trace_api.get_tracer_provider()
        if isinstance(provider, trace_api.ProxyTracerProvider):
            # No provider yet: the proxy tracer forwards once the app installs one, and we look
            # again next time so that our trace ids can be pinned on the real tracer.
            if self._proxy_tracer is None:
                self._proxy_tracer = provider.get_tracer(sc.SCOPE_NAME, scope_version())
            return self._proxy_tracer
        tracer = provider.get_tracer(sc.SCOPE_NAME, scope_version())
        enable_pinning(tracer)
        if self._max_content_length is None:
            self._limit = _attribute_limit(provider)
        self._tracer = tracer
        return tracer

    def _get_metrics(self) -> BridgeMetrics:
        if self._metrics is None:
            self._metrics = get_metrics(self._meter_provider)
        return self._metrics

    def _final(self, attrs: dict[str, AttributeValue]) -> dict[str, AttributeValue]:
        """Redacts, then makes every string exportable and bounded.

        Without a redactor, a dict whose strings are all ASCII (`isascii()` is O(1) in CPython)
        and within the limit is returned as it is: the mapping built it for this call only.
        """
        if self._redact is None:
            limit = self._limit
            for key, value in attrs.items():
                if not key.isascii():  # user keys (metadata, custom data) may hold anything
                    break
                if isinstance(value, str):
                    if len(value) > limit or not value.isascii():
                        break
                elif isinstance(value, (list, tuple)) and value and isinstance(value[0], str):
                    try:  # tool and handoff names, finish reasons: two C-level passes
                        if not all(map(str.isascii, value)) or max(map(len, value)) > limit:
                            break
                    except TypeError:  # not all strings: the full pass makes them strings
                        break
            else:
                return attrs
        return self._cleaned(attrs)

    def _cleaned(self, attrs: Mapping[str, AttributeValue]) -> dict[str, AttributeValue]:
        out: dict[str, AttributeValue] = {}
        redact, limit = self._redact, self._limit
        for key, value in attrs.items():
            kept: AttributeValue | None = value
            if redact is not None:
                try:
                    kept = redact(key, value)
                except Exception as error:  # a broken redactor drops the value: fail closed
                    self._log_limited("redact", "otel-agents: redact hook raised %s", type(error))
                    continue
                if kept is None:
                    continue
            if isinstance(kept, str):
                kept = clean_str(kept if len(kept) <= limit else kept[:limit])
            elif isinstance(kept, (list, tuple)) and kept and isinstance(kept[0], str):
                kept = [clean_str(str(v)[:limit]) for v in kept]
            out[clean_str(key)] = kept
        return out

    def _internal_error(self, where: str, error: Exception) -> None:
        if os.environ.get("OTEL_AGENTS_STRICT", "").lower() in ("1", "true"):
            raise error
        tb = error.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        at = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"
        # Type and location only: an exception message could quote a prompt.
        self._log_limited(
            f"{where}:{type(error).__name__}:{at}",
            "otel-agents: internal error in the OpenTelemetry bridge (%s: %s at %s); the run "
            "continues, telemetry for this span may be incomplete",
            where,
            type(error).__name__,
            at,
        )

    def _log_limited(self, key: str, message: str, *args: object) -> None:
        now = time.monotonic()
        last = self._last_logged.get(key)
        if last is not None and now - last < _LOG_INTERVAL_S:
            return
        self._last_logged[key] = now
        logger.warning(message, *args)


def _name(name: str) -> str:
    return clean_str(name[:_MAX_NAME])


def _attribute_limit(provider: object | None) -> int:
    limits = getattr(provider, "_span_limits", None)
    if limits is None:
        try:
            limits = SpanLimits()  # reads OTEL_(SPAN_)ATTRIBUTE_VALUE_LENGTH_LIMIT
        except Exception:
            limits = None
    value = getattr(limits, "max_span_attribute_length", None)
    return value if isinstance(value, int) and value > 0 else DEFAULT_MAX_CONTENT_LENGTH


def _seconds(start_ns: int | None, end_ns: int | None) -> float | None:
    if start_ns is None or end_ns is None:
        return None
    return max(end_ns - start_ns, 0) / 1e9
