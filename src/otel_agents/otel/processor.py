"""`OTelTracingProcessor`: turns our traces and spans into OpenTelemetry spans, metrics and events.

Invariants (each has a test in tests/otel/):

- One OTel span per trace and span, at the same nanoseconds as ours; state is a dict from our
  ids to entries, popped at end and bounded (`max_open_spans`: the oldest dropped and counted in
  `otel_agents.telemetry.dropped`).
- Parenting (`parenting.py`, `workflow.py`): a span's OTel parent is its parent's OTel span, or its
  trace's root (a workflow, a standalone agent, or a conversation turn). A trace started under the
  app's current span nests under it; otherwise the root's OTel trace id is ours. Open spans are
  the current OTel context, detached without "Failed to detach context".
- Sampler-relevant attributes at start, late ones at end; content built only when capture is on
  AND the span is recording. Metrics are recorded after the span has ended; events are log
  records (`events.py`) with the ids of their span, emitted before it ends.
- Every attribute value is redacted (if asked), made encodable and bounded (`clean.py`). Names
  and shapes come from one profile of the conventions (`profiles.py`).
- The upstream OpenAI Agents SDK's traces and spans are accepted too (`openai_agents.py`).
- Never raises into the run: internal errors are logged (`errors.py`; raised in our tests).
"""

from __future__ import annotations

import threading
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry._logs import LoggerProvider, SeverityNumber
from opentelemetry.metrics import MeterProvider, get_meter_provider
from opentelemetry.trace import Status, StatusCode, TracerProvider

from ..tracing.processor import TracingProcessor
from ..tracing.span_data import (
    AgentSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
)
from ..tracing.spans import Span
from ..tracing.traces import Trace
from . import cost, lifecycle, mapping
from . import semconv as sc
from .capture import CaptureMode, resolve_capture_mode
from .clean import Cleaner, Redactor, attribute_limit, span_name
from .errors import ErrorLog
from .events import Events, details_event_enabled
from .exporters import call_within
from .mapping import SpanErrorLike
from .metrics import BridgeMetrics, get_metrics, scope_version
from .openai_agents import SdkAdapter, SdkSpanView
from .parenting import Attachments, Entry, enable_pinning, pin_span_id, pin_trace_id, unpin
from .profiles import Profile, resolve_profile
from .workflow import Root, RootSpans, end_unfinished, seconds_between

__all__ = ["OTelTracingProcessor", "Redactor"]


class OTelTracingProcessor(RootSpans, TracingProcessor):
    """A `TracingProcessor` exporting every trace and span as OTel spans, metrics and log records.

    Args:
        tracer_provider: Where spans go; the global provider (resolved lazily) when None.
        meter_provider: Where metrics go; the global provider when None.
        capture_content: Content capture mode (a `CaptureMode`, True/False, or a mode name); None
            reads `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (default: no content).
        redact: Called as `redact(key, value)` on every attribute value before it is set; return
            the value to export or None to drop the attribute.
        logger_provider: Where events (log records) go; the global provider when None.
        semconv: The conventions' profile, "default" or "newest"; None reads `OTEL_AGENTS_SEMCONV`.
        span_events: Also copy each event onto its span; None reads `OTEL_AGENTS_SPAN_EVENTS`.
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
        logger_provider: LoggerProvider | None = None,
        semconv: str | None = None,
        span_events: bool | None = None,
        max_content_length: int | None = None,
        max_open_spans: int = 100_000,
    ) -> None:
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._capture = resolve_capture_mode(capture_content)
        self._profile = resolve_profile(semconv)
        self._events = Events(logger_provider, span_events, scope_version())
        self._details = details_event_enabled(self._capture)
        self._max_content_length = max_content_length
        self._clean = Cleaner(redact, max_content_length or attribute_limit(tracer_provider))
        self._max_open = max_open_spans
        self._tracer: trace_api.Tracer | None = None
        self._proxy_tracer: trace_api.Tracer | None = None
        self._metrics: BridgeMetrics | None = None
        self._open: dict[str, Entry] = {}
        self._roots: dict[str, Root] = {}
        self._attachments = Attachments()
        self._lock = threading.Lock()
        self._errors = ErrorLog()
        # The OpenAI Agents SDK's objects -> views of ours (content converted only if captured).
        self._sdk = SdkAdapter(max_open_spans, content=self._capture.enabled)

    @property
    def capture_mode(self) -> CaptureMode:
        """The content capture mode in effect."""
        return self._capture

    @property
    def profile(self) -> Profile:
        """The conventions' profile in effect."""
        return self._profile

    def on_trace_start(self, trace: Trace) -> None:
        try:
            if not isinstance(trace, Trace):
                trace = self._sdk.trace(trace)  # the OpenAI Agents SDK's traces -> views of ours
            self._attachments.unwind()
            root = self._new_root(trace)
            if not root.opened_by_runner:  # the app's own `trace()`: a workflow it named
                self._start_workflow(root, trace.name, attach=True)
            self._store(self._roots, trace.trace_id, root)
        except Exception as error:
            self._errors.internal("on_trace_start", error)

    def on_trace_end(self, trace: Trace) -> None:
        try:
            if not isinstance(trace, Trace):
                trace = self._sdk.trace(trace, ending=True)
            root = self._roots.pop(trace.trace_id, None)
            if root is None:
                return
            if root.turn is not None:  # a run that never finished its last agent span
                self._end_turn(root, root.turn, trace.error, trace.end_time_ns)
            if not root.decided:  # no span at all: the workflow is still worth showing
                self._start_workflow(root, None, attach=False)
            entry = root.entry
            if entry is None:
                return  # standalone: the agent span was the root, and carried any error
            error_type = None
            try:
                if trace.error is not None:
                    error_type = self._set_error(entry.otel_span, trace.error, trace.end_time_ns)
            finally:
                self._attachments.release(entry)
                entry.otel_span.end(end_time=trace.end_time_ns)
            seconds = seconds_between(trace.start_time_ns, trace.end_time_ns)
            if seconds is not None:
                metrics = self._metrics or self._get_metrics()
                metrics.record_workflow(root.workflow, seconds, error_type)
        except Exception as error:
            self._errors.internal("on_trace_end", error)

    def on_span_start(self, span: Span[Any]) -> None:
        try:
            if not isinstance(span, Span):
                view = self._sdk.span(span)  # the OpenAI Agents SDK's spans -> views of ours
                if view is None:
                    return  # an SDK task/turn span: passed through, its children nest above it
                span = view
            self._attachments.unwind()
            data = span.span_data
            root = self._roots.get(span.trace_id)
            parent_id = span.parent_id
            parent = self._open.get(parent_id) if parent_id else None
            if isinstance(data, GuardrailSpanData) and not self._profile.guardrail_span:
                self._verdict_only(span, parent or (root.top if root else None))
                return
            is_root = False
            if parent is None and root is not None:
                parent, is_root = self._place(root, data, span.start_time_ns)
            conversation = root.group_id if root is not None else None
            user = root.user_id if root is not None else None
            agent = parent.agent if parent is not None else None
            start = mapping.span_start(
                data,
                conversation_id=conversation,
                agent=agent,
                output_type=parent.output_type if parent is not None else None,
                profile=self._profile,
                user_id=user,
            )
            start.attributes[sc.OA_SPAN_ID] = span.span_id
            otel_span = self._start(
                start, span.start_time_ns, parent, span.span_id, span.trace_id if is_root else None
            )
            workflow = root.workflow if root is not None else None
            is_agent = isinstance(data, AgentSpanData)
            entry = Entry(otel_span, data.name if is_agent else agent, workflow, conversation, user)
            entry.nested = parent is not None and root is not None
            if is_agent:
                entry.output_type = mapping.output_type(data.output_type)
                entry.owner = entry
                entry.turn = parent.turn if parent is not None else None
            elif parent is not None:
                entry.output_type = parent.output_type
                entry.owner = parent.owner
                entry.turn = parent.turn
            if is_root and root is not None:
                root.agent_root = entry
            is_model_call = isinstance(data, GenerationSpanData)
            if is_model_call and self._details:
                entry.start_attributes = start.attributes
            self._attachments.attach(entry, suppress=is_model_call)
            self._store(self._open, span.span_id, entry)
        except Exception as error:
            self._errors.internal("on_span_start", error)

    def _start(
        self,
        start: mapping.SpanStart,
        start_ns: int | None,
        parent: Entry | None,
        span_id: str | None,
        root_of: str | None,
    ) -> trace_api.Span:
        """An OTel span under `parent`, with our span id (and trace id, for a root) pinned."""
        tracer = self._tracer or self._get_tracer()
        pinned = pin_trace_id(root_of) if root_of is not None else None
        token = pin_span_id(span_id) if span_id is not None else None
        try:
            return tracer.start_span(
                span_name(start.name),
                context=parent.context if parent is not None else None,
                kind=start.kind,
                attributes=self._clean(start.attributes),
                start_time=start_ns,
            )
        finally:
            unpin(token)
            unpin(pinned)

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
            data = span.span_data
            if entry.virtual:  # a verdict without a span (newest): events only
                self._emit(entry, mapping.end_events(data, mapping.SpanEnd(), details=False),
                           span.end_time_ns)  # fmt: skip
                (self._metrics or self._get_metrics()).record_span(data, None, None, entry)
                return
            otel_span = entry.otel_span
            try:
                error_type = self._apply_end(entry, span)
            finally:  # even if mapping failed: never leave the span attached or open
                self._attachments.release(entry)
                otel_span.end(end_time=span.end_time_ns)
            root = self._roots.get(span.trace_id)
            if root is not None:
                if isinstance(data, HandoffSpanData) and self._profile.handoff_as_tool:
                    if data.to_agent:
                        root.transfer = (data.to_agent, entry)
                elif isinstance(data, AgentSpanData) and data.run_outcome:
                    self._run_ended(root, entry, span)
            owner = entry.owner
            if owner is not None and owner is not entry:
                if isinstance(data, GenerationSpanData):
                    owner.inference_calls += 1
                elif isinstance(data, FunctionSpanData):
                    owner.tool_calls += 1
            (self._metrics or self._get_metrics()).record_span(
                data, seconds_between(span.start_time_ns, span.end_time_ns), error_type, entry
            )
            cost.record(self._meter_provider, data, entry)  # priced model calls only
        except Exception as error:
            self._errors.internal("on_span_end", error)

    def force_flush(self) -> None:
        """Asks the tracer, meter and logger providers to export what they hold (within the
        shutdown deadline)."""
        tracer_provider = self._tracer_provider or trace_api.get_tracer_provider()
        providers = (tracer_provider, self._meter_provider or get_meter_provider(), self._events)
        ms = int((seconds := lifecycle.timeout()) * 1000)
        calls = [(p, "force_flush", (ms,)) for p in providers if hasattr(p, "force_flush")]
        call_within(calls, seconds, "flush")

    def shutdown(self) -> None:
        """Ends the spans of runs still in flight (the process is ending: SIGTERM, exit), marked
        `otel_agents.incomplete` with an ERROR status, so their partial trace is exported; then
        forgets them. Providers are shut down by whoever installed them (setup.py)."""
        entries = [e for e in self._open.values() if not e.virtual]
        for root in self._roots.values():
            entries += [e for e in (root.turn, root.entry) if e is not None]
        self._open.clear()
        self._roots.clear()
        self._attachments.clear()
        end_unfinished(entries, self._errors)

    def _apply_end(self, entry: Entry, span: Span[Any]) -> str | None:
        """Sets late attributes, content, events and status; returns the error type, if any."""
        extra = cost.on_end(span.span_data, entry, self._roots.get(span.trace_id), self._clean)
        otel_span = entry.otel_span
        error = span.error
        error_type = (error.type or sc.ERROR_TYPE_OTHER) if error is not None else None
        if not otel_span.is_recording():
            return error_type  # sampled out: build nothing, serialise nothing
        end_ns = span.end_time_ns
        capture = self._capture
        data = span.span_data
        end = mapping.span_end(
            data,
            on_span=capture.on_span,
            on_event=capture.on_event,
            limit=self._clean.limit,
            failed=error is not None,
            profile=self._profile,
        )
        attributes = {**end.attributes, **extra} if extra else end.attributes
        if type(span) is SdkSpanView and span.late_start is not None:
            late = span.late_start  # SDK spans: start fields filled after the start
            otel_span.update_name(span_name(late.name))
            attributes = {**late.attributes, **attributes}  # one set_attributes call, same order
            if entry.start_attributes is not None:  # the details event carries them too
                entry.start_attributes.update(late.attributes)
        if end.new_name:
            otel_span.update_name(span_name(end.new_name))
        if attributes:
            otel_span.set_attributes(self._clean(attributes))
        if end.content and capture.on_span:
            otel_span.set_attributes(self._clean(end.content))
        events = list(mapping.end_events(data, end, details=self._details))
        if error is not None:
            self._set_error(otel_span, error, end_ns)
            if isinstance(data, GenerationSpanData):
                attrs = mapping.exception_event(
                    data, error, include_content=capture.enabled, limit=self._clean.limit
                )
                events.append((sc.EVENT_OPERATION_EXCEPTION, SeverityNumber.WARN, attrs))
        self._emit(entry, events, end_ns)
        return error_type

    def _emit(self, entry: Entry, events: list[mapping.Event], end_ns: int | None) -> None:
        """Emits a span's events as log records about its span, with its conversation's ids."""
        for name, severity, attrs in events:
            mapping.put_ids(attrs, entry.group_id, entry.user_id)
            if name == sc.EVENT_INFERENCE_DETAILS and entry.start_attributes:
                attrs = {**entry.start_attributes, **attrs}
                attrs.pop(sc.OA_SPAN_ID, None)
            self._events.emit(name, severity, self._clean(attrs), entry.otel_span, end_ns)

    def _set_error(
        self, otel_span: trace_api.Span, error: SpanErrorLike, end_ns: int | None
    ) -> str:
        """ERROR status, `error.type` and the exception event; returns the error type."""
        info = mapping.error_info(
            error, include_content=self._capture.enabled, limit=self._clean.limit
        )
        if otel_span.is_recording():
            otel_span.set_attributes(self._clean({sc.ERROR_TYPE: info.error_type}))
            event = self._clean(info.event)
            otel_span.add_event(sc.EVENT_EXCEPTION, event, timestamp=end_ns)
            # With capture on, the description is the (redacted) message; else the type.
            description = event.get(sc.EXCEPTION_MESSAGE, info.error_type)
            otel_span.set_status(Status(StatusCode.ERROR, str(description)))
        return info.error_type

    def _store(self, table: dict[str, Any], key: str, value: Any) -> None:
        table[key] = value
        if len(table) > self._max_open:
            self._evict(table)

    def _evict(self, table: dict[str, Any]) -> None:
        evicted: list[Any] = []
        with self._lock:
            while len(table) > self._max_open:
                try:
                    old = table.pop(next(iter(table)), None)
                except (StopIteration, RuntimeError):
                    break
                if old is not None:
                    evicted.append(old)
        dropped = 0
        for old in evicted:
            entry = old.entry if isinstance(old, Root) else old
            if entry is not None:
                self._attachments.park(entry)  # never exported, but detached when it unwinds
                dropped += 1
        if dropped:
            self._get_metrics().record_dropped("spans", dropped)
            self._errors.limited(
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
            self._clean.limit = attribute_limit(provider)
        self._tracer = tracer
        return tracer

    def _get_metrics(self) -> BridgeMetrics:
        if self._metrics is None:
            self._metrics = get_metrics(self._meter_provider, self._profile)
        return self._metrics
