"""Small helpers over the OTel SDK's in-memory pieces, shared by the bridge's test packages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.trace import TracerProvider

from otel_agents.otel import OTelTracingProcessor
from otel_agents.tracing import get_trace_provider


def metric_points(reader: InMemoryMetricReader, metric: str) -> list[tuple[dict[str, Any], Any]]:
    """(attributes, value) of each point of `metric`: the value for sums, the point otherwise."""
    out: list[tuple[dict[str, Any], Any]] = []
    data = reader.get_metrics_data()
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                if m.name == metric:
                    for p in m.data.data_points:
                        out.append((dict(p.attributes or {}), getattr(p, "value", p)))
    return out


def bridge_installer(
    tracer_provider: TracerProvider, meter_provider: Any, logger_provider: Any = None
) -> Iterator[Callable[..., OTelTracingProcessor]]:
    """For a fixture: yields `install(**kwargs)`, which makes an `OTelTracingProcessor` on these
    providers the only trace processor; the previous processors come back afterwards."""
    provider = get_trace_provider()
    state = provider.snapshot()

    def install(**kwargs: Any) -> OTelTracingProcessor:
        kwargs.setdefault("tracer_provider", tracer_provider)
        kwargs.setdefault("meter_provider", meter_provider)
        if logger_provider is not None:
            kwargs.setdefault("logger_provider", logger_provider)
        processor = OTelTracingProcessor(**kwargs)
        provider.set_processors([processor])
        provider.set_disabled(False)
        return processor

    yield install
    provider.restore(state)
