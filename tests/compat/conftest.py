"""Fixtures for the compatibility tests: the upstream SDK's tracing off (it would try to export
to OpenAI), restored afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from agents import set_trace_processors
from agents.tracing import get_trace_provider


@pytest.fixture(autouse=True)
def sdk_tracing_off() -> Iterator[None]:
    provider = get_trace_provider()
    processors = list(provider._multi_processor._processors)
    set_trace_processors([])
    yield
    set_trace_processors(processors)


# --- An in-memory OTel pipeline with our bridge (telemetry of the new pieces) -------------------
from collections.abc import Callable  # noqa: E402

from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

from otel._trees import Pipeline  # noqa: E402
from otel_agents.otel import OTelTracingProcessor  # noqa: E402
from support.otel_memory import bridge_installer  # noqa: E402


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    made = Pipeline(exporter, reader, tracer_provider, MeterProvider(metric_readers=[reader]))
    yield made
    tracer_provider.shutdown()
    made.meter_provider.shutdown()


@pytest.fixture
def bridge(pipeline: Pipeline) -> Iterator[Callable[..., OTelTracingProcessor]]:
    yield from bridge_installer(pipeline.tracer_provider, pipeline.meter_provider)
