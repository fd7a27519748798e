"""OpenTelemetry pieces the benchmark needs: providers, test exporters, and the raw-SDK floor.

- `Pipeline`: an SDK `TracerProvider` with a `BatchSpanProcessor` (default queue and batch sizes)
  over an exporter, plus a `MeterProvider` with an `InMemoryMetricReader` (aggregation happens on
  the hot path as in production; nothing is collected unless asked).
- Exporters: `CountingExporter` (no-op, counts spans and remembers which threads called it),
  `SleepingExporter` (sleeps per batch), `BlockedExporter` (blocks until released).
- `capture()` runs one workload run through the bridge with in-memory providers and records every
  span (name, kind, final attributes, events, status, tree) and every metric measurement;
  `Floor` replays exactly that with the OTel SDK directly, no runner: the raw floor.
  `MinimalProcessor` replays it from inside a run (a processor with nothing to map): what
  emitting those spans from a run's callbacks costs any bridge.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricReader
from opentelemetry.sdk.metrics.view import DropAggregation, View
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status

from otel_agents.otel import OTelTracingProcessor
from otel_agents.otel import semconv as sc
from otel_agents.tracing import TracingProcessor, set_trace_processors, set_tracing_disabled

from .workload import RunOnce

# --- exporters --------------------------------------------------------------------------------


class CountingExporter(SpanExporter):
    """A no-op exporter that counts spans and records the threads `export()` ran on."""

    def __init__(self) -> None:
        self.spans = 0
        self.batches = 0
        self.threads: set[int] = set()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans += len(spans)
        self.batches += 1
        self.threads.add(threading.get_ident())
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


class SleepingExporter(CountingExporter):
    """Takes `seconds` per batch, like a slow collector."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        time.sleep(self.seconds)
        return super().export(spans)


class BlockedExporter(CountingExporter):
    """Blocks in `export()` until `release()` (a hung collector); counts batches entered."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = 0
        self._release = threading.Event()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.entered += 1
        self._release.wait(120.0)
        return super().export(spans)

    def release(self) -> None:
        self._release.set()


# --- providers --------------------------------------------------------------------------------


@dataclass
class Pipeline:
    """A tracer provider (batch processor over `exporter`) and a meter provider."""

    exporter: SpanExporter
    drop_stream_event_metric: bool = False
    readers: list[MetricReader] = field(default_factory=list)
    metrics: bool = True  # False: the bridge gets the API's no-op meter provider

    def __post_init__(self) -> None:
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(BatchSpanProcessor(self.exporter))
        views = (
            [View(instrument_name=sc.METRIC_STREAM_EVENTS, aggregation=DropAggregation())]
            if self.drop_stream_event_metric
            else []
        )
        self.meter_provider = MeterProvider(
            metric_readers=self.readers or [InMemoryMetricReader()], views=views
        )

    def bridge(self) -> OTelTracingProcessor:
        meters = self.meter_provider if self.metrics else NoOpMeterProvider()
        return OTelTracingProcessor(tracer_provider=self.tracer_provider, meter_provider=meters)

    def flush(self) -> None:
        self.tracer_provider.force_flush(30_000)
        self.meter_provider.force_flush(30_000)

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def use_ours(mode: str, processor: TracingProcessor | None = None) -> Callable[[], None]:
    """An `activate` hook for our tracing: "off", "noproc" (on, no processor) or "bridge"."""

    def activate() -> None:
        set_tracing_disabled(mode == "off")
        set_trace_processors([processor] if processor is not None else [])

    return activate


# --- capture and replay (the raw floor) -------------------------------------------------------


@dataclass
class SpanShape:
    """One exported span, as the floor re-creates it."""

    name: str
    kind: trace_api.SpanKind
    attributes: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]]
    status: Status
    children: list[SpanShape] = field(default_factory=list)


@dataclass
class Measurement:
    instrument: tuple[str, str]  # (kind, name)
    value: float
    attributes: dict[str, Any]


class _RecordingInstrument:
    def __init__(self, log: list[Measurement], key: tuple[str, str]) -> None:
        self._log, self._key = log, key

    def record(self, value: float, attributes: Any = None, context: Any = None) -> None:
        self._log.append(Measurement(self._key, value, dict(attributes or {})))

    add = record


class _RecordingMeter:
    def __init__(self, log: list[Measurement], specs: dict[tuple[str, str], dict[str, Any]]):
        self._log, self._specs = log, specs

    def create_histogram(self, name: str, **kwargs: Any) -> _RecordingInstrument:
        self._specs[("histogram", name)] = kwargs
        return _RecordingInstrument(self._log, ("histogram", name))

    def create_counter(self, name: str, **kwargs: Any) -> _RecordingInstrument:
        self._specs[("counter", name)] = kwargs
        return _RecordingInstrument(self._log, ("counter", name))

    def create_observable_counter(self, name: str, *args: Any, **kwargs: Any) -> None:
        # Observed when a reader collects, not during runs: nothing for the floor to replay.
        return None


class RecordingMeterProvider:
    """Duck-typed meter provider that logs every measurement the bridge makes, in order."""

    def __init__(self) -> None:
        self.log: list[Measurement] = []
        self.specs: dict[tuple[str, str], dict[str, Any]] = {}

    def get_meter(self, name: str, *args: Any, **kwargs: Any) -> _RecordingMeter:
        return _RecordingMeter(self.log, self.specs)


@dataclass
class Capture:
    """What the bridge exported for one run: the span trees and the metric measurements."""

    roots: list[SpanShape]
    span_count: int
    measurements: list[Measurement]
    specs: dict[tuple[str, str], dict[str, Any]]


Install = Callable[[TracerProvider, Any], Callable[[], None]]
"""Given in-memory providers, returns the `activate` hook of a bridge on them."""


def _ours(provider: TracerProvider, meters: Any) -> Callable[[], None]:
    return use_ours("bridge", OTelTracingProcessor(tracer_provider=provider, meter_provider=meters))


def capture(once: RunOnce, install: Install = _ours) -> Capture:
    """Runs `once` through a fresh bridge (ours by default; `install` for another runner's) with
    in-memory providers and records what it emits."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    meters = RecordingMeterProvider()
    install(provider, meters)()
    asyncio.run(once())
    spans = memory.get_finished_spans()
    shapes: dict[int, SpanShape] = {}
    for span in spans:
        assert span.context is not None
        shapes[span.context.span_id] = SpanShape(
            span.name,
            span.kind,
            dict(span.attributes or {}),
            [(e.name, dict(e.attributes or {})) for e in span.events],
            span.status,
        )
    roots: list[SpanShape] = []
    for span in sorted(spans, key=lambda s: s.start_time or 0):
        assert span.context is not None
        shape = shapes[span.context.span_id]
        parent = shapes.get(span.parent.span_id) if span.parent is not None else None
        (parent.children if parent is not None else roots).append(shape)
    return Capture(roots, len(spans), meters.log, meters.specs)


class MinimalProcessor(TracingProcessor):
    """The cheapest processor a bridge could be, inside the run: a diagnostic, not a bridge.

    It replays a captured run's spans (names, kinds, attributes, events, status: `SpanShape`s in
    start order) as the run's traces and spans start and end: SDK spans under the right parents,
    made current and detached, with nothing mapped, cleaned or measured. Its cost against the
    floor (the same spans emitted back to back, no runner) is what emitting spans from inside a
    run costs any bridge (callbacks interleaved with the runner's own code), before mapping and
    metrics.
    """

    def __init__(self, shape: Capture, pipeline: Pipeline) -> None:
        self.tracer = pipeline.tracer_provider.get_tracer(sc.SCOPE_NAME)
        self.order: list[SpanShape] = []

        def walk(node: SpanShape) -> None:
            self.order.append(node)
            for child in node.children:
                walk(child)

        for root in shape.roots:
            walk(root)
        self.next = 0
        self.open: dict[str, tuple[Any, object, context_api.Context, SpanShape]] = {}

    def _start(self, key: str, parent_key: str | None) -> None:
        node = self.order[self.next % len(self.order)]
        self.next += 1
        parent = self.open.get(parent_key) if parent_key else None
        span = self.tracer.start_span(
            node.name,
            context=parent[2] if parent else None,
            kind=node.kind,
            attributes=node.attributes,
        )
        ctx = trace_api.set_span_in_context(span)
        self.open[key] = (span, context_api.attach(ctx), ctx, node)

    def _end(self, key: str) -> None:
        span, token, _, node = self.open.pop(key)
        for name, attrs in node.events:
            span.add_event(name, attrs)
        if node.status.status_code is not trace_api.StatusCode.UNSET:
            span.set_status(node.status)
        context_api.detach(token)  # type: ignore[arg-type]
        span.end()

    def on_trace_start(self, trace: Any) -> None:
        self.next = 0
        self._start(trace.trace_id, None)

    def on_trace_end(self, trace: Any) -> None:
        self._end(trace.trace_id)

    def on_span_start(self, span: Any) -> None:
        self._start(span.span_id, span.parent_id or span.trace_id)

    def on_span_end(self, span: Any) -> None:
        self._end(span.span_id)


class Floor:
    """Emits a captured run's spans (and optionally its measurements) with the OTel SDK directly.

    Spans nest as in the run and each is made the current context while open, as any
    `start_as_current_span` user would; metrics use the same instruments, values and attributes.
    """

    def __init__(self, shape: Capture, pipeline: Pipeline, *, metrics: bool) -> None:
        self.shape = shape
        self.tracer = pipeline.tracer_provider.get_tracer(sc.SCOPE_NAME)
        self.metrics = metrics
        meter = pipeline.meter_provider.get_meter(sc.SCOPE_NAME)
        self.instruments: dict[tuple[str, str], Any] = {}
        for (kind, name), kwargs in shape.specs.items():
            create = meter.create_histogram if kind == "histogram" else meter.create_counter
            self.instruments[(kind, name)] = create(name, **kwargs)

    def _emit(self, node: SpanShape, parent: context_api.Context | None) -> None:
        span = self.tracer.start_span(
            node.name, context=parent, kind=node.kind, attributes=node.attributes
        )
        ctx = trace_api.set_span_in_context(span)
        token = context_api.attach(ctx)
        try:
            for child in node.children:
                self._emit(child, ctx)
            for name, attrs in node.events:
                span.add_event(name, attrs)
            if node.status.status_code is not trace_api.StatusCode.UNSET:
                span.set_status(node.status)
        finally:
            context_api.detach(token)
            span.end()

    async def run(self) -> None:
        """One run's worth of spans (and measurements)."""
        for root in self.shape.roots:
            self._emit(root, None)
        if self.metrics:
            instruments = self.instruments
            for m in self.shape.measurements:
                inst = instruments[m.instrument]
                if m.instrument[0] == "histogram":
                    inst.record(m.value, m.attributes)
                else:
                    inst.add(m.value, m.attributes)
