"""Fixtures for the bridge on the upstream OpenAI Agents SDK: in-memory OTel pipelines (passed
in, never the globals) and our processor registered with the SDK's tracing, restored after."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from agents import set_trace_processors, set_tracing_disabled
from agents.tracing import get_trace_provider as get_sdk_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel._trees import Pipeline
from otel_agents.otel import OTelTracingProcessor
from otel_agents.otel.openai_agents_instrument import _registered
from support.otel_memory import bridge_installer

Bridge = Callable[..., OTelTracingProcessor]


@pytest.fixture(autouse=True)
def strict_bridge(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Internal errors of the bridge raise (OTEL_AGENTS_STRICT); the SDK catches what its
    processors raise and logs it, so such a log line fails the test too."""
    monkeypatch.setenv("OTEL_AGENTS_STRICT", "1")
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    yield
    broken = [r.getMessage() for r in caplog.records if "in trace processor" in r.getMessage()]
    assert broken == []


def _pipeline() -> Pipeline:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    log_exporter = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    meter_provider = MeterProvider(metric_readers=[reader])
    return Pipeline(
        exporter, reader, tracer_provider, meter_provider, log_exporter, logger_provider
    )


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    """The pipeline the SDK's runs export to."""
    made = _pipeline()
    yield made
    made.tracer_provider.shutdown()
    made.meter_provider.shutdown()


@pytest.fixture
def our_pipeline() -> Iterator[Pipeline]:
    """A second pipeline, for otel-agents' own runner in the same test."""
    made = _pipeline()
    yield made
    made.tracer_provider.shutdown()
    made.meter_provider.shutdown()


@pytest.fixture
def sdk_state() -> Iterator[None]:
    """Puts the SDK's processors and switch back after the test."""
    provider: Any = get_sdk_provider()
    saved = _registered(provider)
    yield
    set_trace_processors(list(saved or ()))
    set_tracing_disabled(False)


@pytest.fixture
def sdk_bridge(pipeline: Pipeline, sdk_state: None) -> Bridge:
    """`sdk_bridge(**kwargs)` makes an OTelTracingProcessor on `pipeline` the SDK's only one."""

    def install(**kwargs: Any) -> OTelTracingProcessor:
        kwargs.setdefault("tracer_provider", pipeline.tracer_provider)
        kwargs.setdefault("meter_provider", pipeline.meter_provider)
        kwargs.setdefault("logger_provider", pipeline.logger_provider)
        processor = OTelTracingProcessor(**kwargs)
        set_trace_processors([processor])  # type: ignore[list-item]
        set_tracing_disabled(False)
        return processor

    return install


@pytest.fixture
def our_bridge(our_pipeline: Pipeline) -> Iterator[Bridge]:
    """`our_bridge(**kwargs)`: the same for otel-agents' runner, on `our_pipeline`."""
    yield from bridge_installer(
        our_pipeline.tracer_provider, our_pipeline.meter_provider, our_pipeline.logger_provider
    )
