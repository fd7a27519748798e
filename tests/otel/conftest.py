"""Fixtures for the OpenTelemetry bridge tests: in-memory SDK pipelines, never the globals."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_agents.otel import OTelTracingProcessor
from support.otel_memory import bridge_installer

from ._trees import Pipeline


@pytest.fixture(autouse=True)
def strict_bridge(monkeypatch: pytest.MonkeyPatch) -> None:
    """Internal errors of the bridge raise under these tests instead of being logged."""
    monkeypatch.setenv("OTEL_AGENTS_STRICT", "1")
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    """A tracer and a meter provider exporting to memory (passed in; globals untouched)."""
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    log_exporter = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    yield Pipeline(exporter, reader, tracer_provider, meter_provider, log_exporter, logger_provider)
    tracer_provider.shutdown()
    meter_provider.shutdown()
    logger_provider.shutdown()


@pytest.fixture
def bridge(pipeline: Pipeline) -> Iterator[Callable[..., OTelTracingProcessor]]:
    """`bridge(**kwargs)` makes an OTelTracingProcessor on `pipeline` the only trace processor."""
    yield from bridge_installer(
        pipeline.tracer_provider, pipeline.meter_provider, pipeline.logger_provider
    )
