"""Helpers shared by the reliability tests: pipelines, small agent graphs, and the checks every
fault must leave true (nothing current, no task left, every span ended once).

Pipelines are passed to the bridge, never installed globally. `otlp_trace_pipeline` is the
trace half of what `otel_agents.otel.setup.build_providers` builds (a counting batch processor
in front of the real OTLP/HTTP exporter), with the drop counter on an in-memory meter provider so
a test can read `otel_agents.telemetry.dropped` while the collector is down.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_agents import Agent, function_tool
from otel_agents.models import ScriptedModel, call_tool, transfer_to
from otel_agents.otel.exporters import (
    CountingBatchSpanProcessor,
    CountingSpanExporter,
    DropCounter,
    span_exporter,
)
from otel_agents.tracing import get_current_span, get_current_trace
from support.otel_memory import metric_points

DROPPED = "otel_agents.telemetry.dropped"


def poll(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Waits until `predicate()` holds, checking every few milliseconds, or fails at `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        threading.Event().wait(0.005)


async def no_other_tasks(timeout: float = 5.0) -> None:
    """Waits until the current task is the only one left on the loop; fails listing the rest."""
    me = asyncio.current_task()
    deadline = time.monotonic() + timeout
    while True:
        others = [t for t in asyncio.all_tasks() if t is not me]
        if not others:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"tasks left running after the run: {others}")
        await asyncio.sleep(0.002)


def assert_nothing_current(otel_span: trace_api.Span = trace_api.INVALID_SPAN) -> None:
    """No trace or span of ours is current, and the OTel current span is what it was before."""
    assert get_current_trace() is None, get_current_trace()
    assert get_current_span() is None, get_current_span()
    assert trace_api.get_current_span() is otel_span, trace_api.get_current_span()


@dataclass
class Pipeline:
    """An in-memory OTel SDK pipeline for one test (spans and metrics)."""

    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider

    @classmethod
    def create(cls, tracer_provider: TracerProvider | None = None) -> Pipeline:
        exporter = InMemorySpanExporter()
        provider = tracer_provider or TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        reader = InMemoryMetricReader()
        return cls(exporter, reader, provider, MeterProvider(metric_readers=[reader]))

    @property
    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()

    def points(self, metric: str) -> list[tuple[dict[str, Any], Any]]:
        """(attributes, value) of each point of `metric` (the point itself for histograms)."""
        return metric_points(self.reader, metric)

    def dropped(self, signal: str = "spans") -> int:
        return sum(v for a, v in self.points(DROPPED) if a.get("otel_agents.signal") == signal)

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


@dataclass
class OtlpTracePipeline:
    """Real OTLP/HTTP span export behind the bridge's counting batch processor."""

    tracer_provider: TracerProvider
    batch: CountingBatchSpanProcessor
    exporter: CountingSpanExporter
    produced: InMemorySpanExporter  # every span that ended, whatever happened to its export

    def queue_length(self) -> int:
        # The SDK's queue is the bound under test; it has no public accessor.
        return len(self.batch._batch_processor._queue)

    def max_queue_size(self) -> int:
        return int(self.batch._batch_processor._max_queue_size)

    def close(self) -> None:
        """Stops at once: the exporter first, so retries against a dead collector give up."""
        self.exporter.inner.shutdown()
        self.tracer_provider.shutdown()


def otlp_trace_pipeline(
    endpoint: str, meter_provider: MeterProvider, span_limits: SpanLimits | None = None
) -> OtlpTracePipeline:
    """OTLP/HTTP to `endpoint`, batch settings from OTEL_BSP_* (set them before calling)."""
    on_drop = DropCounter("spans", meter_provider)
    exporter = CountingSpanExporter(span_exporter("otlp", "http/protobuf", endpoint, None), on_drop)
    batch = CountingBatchSpanProcessor(exporter, on_drop)
    produced = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False, span_limits=span_limits)
    provider.add_span_processor(SimpleSpanProcessor(produced))
    provider.add_span_processor(batch)
    return OtlpTracePipeline(provider, batch, exporter, produced)


# --- small agent graphs ---------------------------------------------------------------------


@function_tool
async def lookup(key: str) -> str:
    """Look a key up.

    Args:
        key: What to look up.
    """
    for _ in range(3):  # yield to the loop so concurrent runs interleave inside the tool
        await asyncio.sleep(0)
    return f"value-{key}"


def simple_agent(reply: str = "fine", name: str = "Solo") -> Agent[Any]:
    """One agent, one model call: a trace, an agent span, a generation span."""
    return Agent(name=name, model=ScriptedModel([reply]))


def two_agents(i: int, tag: int | None = None) -> Agent[Any]:
    """Triage-{tag} hands off to Support-{tag}, which calls `lookup` with {i} and answers
    "done {i}" (`tag` defaults to `i`)."""
    tag = i if tag is None else tag
    support = Agent(
        name=f"Support-{tag}",
        tools=[lookup],
        model=ScriptedModel([call_tool("lookup", {"key": str(i)}), f"done {i}"]),
    )
    return Agent(
        name=f"Triage-{tag}",
        handoffs=[support],
        model=ScriptedModel([transfer_to(f"Support-{tag}")]),
    )


def by_trace(spans: Iterable[ReadableSpan]) -> dict[int, list[ReadableSpan]]:
    out: dict[int, list[ReadableSpan]] = {}
    for span in spans:
        out.setdefault(span.context.trace_id, []).append(span)
    return out


def shape(spans: list[ReadableSpan]) -> list[Any]:
    """A trace as a nested [name, status, [children...]] list, children sorted by start."""
    ids = {s.context.span_id for s in spans}
    children: dict[int, list[ReadableSpan]] = {}
    for s in spans:
        parent = s.parent.span_id if s.parent is not None and s.parent.span_id in ids else 0
        children.setdefault(parent, []).append(s)

    def build(s: ReadableSpan) -> list[Any]:
        kids = sorted(children.get(s.context.span_id, []), key=lambda k: (k.start_time, k.name))
        return [s.name, s.status.status_code.name, [build(k) for k in kids]]

    return [build(s) for s in sorted(children.get(0, []), key=lambda k: k.start_time or 0)]
