"""Dropped telemetry is counted (not logged per item), and flushes never block past a deadline."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExportResult,
    MetricsData,
)
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otel_agents.otel.exporters import (
    CountingBatchSpanProcessor,
    CountingMetricExporter,
    CountingSpanExporter,
    DropCounter,
    call_within,
)

from ._trees import Pipeline

DROPPED = "otel_agents.telemetry.dropped"


class FailingExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.FAILURE


class BlockedExporter(SpanExporter):
    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.exported = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.entered.set()
        self.release.wait(10)
        self.exported += len(spans)
        return SpanExportResult.SUCCESS


def make_spans(provider: TracerProvider, count: int) -> None:
    tracer = provider.get_tracer("t")
    for i in range(count):
        tracer.start_span(f"s{i}").end()


def test_failed_span_exports_are_counted_and_logged_once(
    pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    drops = DropCounter("spans", pipeline.meter_provider)
    exporter = CountingSpanExporter(FailingExporter(), drops)
    with caplog.at_level(logging.WARNING, logger="otel_agents.otel"):
        assert exporter.export([object(), object()]) is SpanExportResult.FAILURE  # type: ignore[list-item]
        exporter.export([object()])  # type: ignore[list-item]
    assert pipeline.points(DROPPED) == [({"otel_agents.signal": "spans"}, 3)]
    assert len([r for r in caplog.records if "dropped" in r.getMessage()]) == 1


def test_a_full_queue_drops_new_spans_quietly_and_counts_them(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_BSP_MAX_QUEUE_SIZE", "2")
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1")
    blocked = BlockedExporter()
    processor = CountingBatchSpanProcessor(blocked, DropCounter("spans", pipeline.meter_provider))
    provider = TracerProvider()
    provider.add_span_processor(processor)
    try:
        make_spans(provider, 1)
        assert blocked.entered.wait(5)  # the worker holds one span in a stuck export
        with caplog.at_level(logging.WARNING):
            make_spans(provider, 10)  # 2 fit in the queue, 8 are dropped
        assert pipeline.points(DROPPED) == [({"otel_agents.signal": "spans"}, 8)]
        assert not [r for r in caplog.records if "Queue full" in r.getMessage()]
    finally:
        blocked.release.set()
        provider.shutdown()
    assert blocked.exported == 3  # what was queued is delivered once the exporter recovers


def test_failed_metric_exports_count_their_points(pipeline: Pipeline) -> None:
    class Failing(ConsoleMetricExporter):
        def export(
            self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
        ) -> MetricExportResult:
            return MetricExportResult.FAILURE

    pipeline.meter_provider.get_meter("m").create_counter("c").add(1, {"k": "a"})
    data = pipeline.reader.get_metrics_data()
    assert data is not None
    drops = DropCounter("metric points", pipeline.meter_provider)
    CountingMetricExporter(Failing(), drops).export(data)
    assert pipeline.points(DROPPED) == [({"otel_agents.signal": "metrics"}, 1)]


def test_call_within_gives_up_at_the_deadline(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()

    class Stuck:
        def shutdown(self) -> None:
            release.wait(10)

    stuck = Stuck()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="otel_agents.otel"):
        assert call_within([(stuck, "shutdown", ())], 0.2, "export at exit") is False
    assert time.monotonic() - started < 2
    assert "did not finish within 0.2 s" in caplog.text
    # A provider already shut down here is not flushed again (it would only block).
    assert call_within([(stuck, "force_flush", ())], 0.2, "flush") is True
    release.set()
