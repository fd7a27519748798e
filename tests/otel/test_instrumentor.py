"""The `opentelemetry_instrumentor` entry point `otel_agents`."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest

from otel_agents.otel import OtelAgentsInstrumentor, OTelTracingProcessor
from otel_agents.tracing import TracingProcessor, get_trace_provider
from support.tracing_recorder import RecordingProcessor


@pytest.fixture
def tracing_state() -> Iterator[None]:
    provider = get_trace_provider()
    state = provider.snapshot()
    yield
    provider.restore(state)


def bridges() -> list[TracingProcessor]:
    return [p for p in get_trace_provider().processors if isinstance(p, OTelTracingProcessor)]


def test_entry_point_has_its_own_name_and_loads() -> None:
    found = [e for e in entry_points(group="opentelemetry_instrumentor") if e.name == "otel_agents"]
    assert len(found) == 1
    assert found[0].load() is OtelAgentsInstrumentor


def test_instrument_registers_the_bridge_once_and_uninstrument_removes_it(
    tracing_state: None,
) -> None:
    recorder = RecordingProcessor()
    get_trace_provider().set_processors([recorder])
    instrumentor = OtelAgentsInstrumentor()
    instrumentor.instrument()
    instrumentor.instrument()
    OtelAgentsInstrumentor().instrument()
    assert len(bridges()) == 1
    assert get_trace_provider().processors[0] is recorder
    instrumentor.uninstrument()
    assert bridges() == []
    assert get_trace_provider().processors == (recorder,)


def test_instrument_keeps_an_existing_bridge(tracing_state: None) -> None:
    existing = OTelTracingProcessor()
    get_trace_provider().set_processors([existing])
    instrumentor = OtelAgentsInstrumentor()
    instrumentor.instrument()
    try:
        assert bridges() == [existing]
    finally:
        # Also undoes the upstream SDK's instrumentation, which instrument() adds when installed.
        instrumentor.uninstrument()
