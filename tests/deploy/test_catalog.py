"""The metric catalogue (tests/deploy/_catalog.py) matches what the bridge really emits.

The dashboard checks trust the catalogue for "every metric a dashboard queries is one the
project emits"; these tests keep it honest, in both profiles: the workload's scenarios
(_workload.py: streamed run with a tool call and a handoff, a failing tool, a tripped guardrail,
a failing model call, a plain run) run through the real runner and bridge, and the instruments
that report (names, units, kinds, attribute keys), and the names the Python Prometheus exporter
serves for them, must be the catalogue's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import Histogram, InMemoryMetricReader, MetricReader, Sum
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from otel_agents.otel import OTelTracingProcessor
from otel_agents.tracing import get_trace_provider

from ._catalog import PROFILES, project_series
from ._workload import one_round

# Instruments a scenario cannot make report: token kinds the scripted model never reports, and
# dropped telemetry (nothing is dropped in a healthy run).
NOT_EXERCISED = {
    "gen_ai.client.inference.usage.cache_read.input_tokens",
    "gen_ai.client.inference.usage.cache_write.input_tokens",
    "gen_ai.client.inference.usage.reasoning.output_tokens",
    "otel_agents.telemetry.dropped",
}


def run_scenarios(reader: MetricReader, profile: str) -> None:
    """One round of the workload with the bridge as the only processor, in `profile`."""
    provider = get_trace_provider()
    state = provider.snapshot()
    meter_provider = MeterProvider(metric_readers=[reader])
    processor = OTelTracingProcessor(
        tracer_provider=TracerProvider(), meter_provider=meter_provider, semconv=profile
    )
    provider.set_processors([processor])
    provider.set_disabled(False)
    try:
        asyncio.run(one_round())
    finally:
        provider.restore(state)


@pytest.fixture(params=list(PROFILES), ids=list(PROFILES))
def profile(request: pytest.FixtureRequest) -> Iterator[str]:
    yield str(request.param)


def test_catalogue_matches_the_instruments_the_bridge_reports(profile: str) -> None:
    reader = InMemoryMetricReader()
    run_scenarios(reader, profile)
    data = reader.get_metrics_data()
    assert data is not None
    metrics = {
        m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    families = {f.instrument: f for f in PROFILES[profile]}
    assert set(metrics) == set(families) - NOT_EXERCISED
    for name, metric in metrics.items():
        family = families[name]
        assert metric.unit == family.unit, name
        kind = "counter" if isinstance(metric.data, Sum) and metric.data.is_monotonic else None
        kind = "histogram" if isinstance(metric.data, Histogram) else kind
        assert kind == family.kind, name
        for point in metric.data.data_points:
            keys = set(point.attributes or {})
            assert keys <= family.attributes, f"{name}: {keys - family.attributes}"


def test_catalogue_names_are_what_the_prometheus_exporter_serves(profile: str) -> None:
    registry = CollectorRegistry()
    run_scenarios(PrometheusMetricReader(registry=registry), profile)
    text = generate_latest(registry).decode()
    series = project_series(profile)
    served: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            served.setdefault(sample.name, set()).update(sample.labels)
    served.pop("target_info", None)
    for name, labels in served.items():
        assert name in series, f"served {name}, not in the {profile} catalogue"
        assert labels <= series[name], f"{name}: {labels - series[name]}"
    exercised = {f.instrument for f in PROFILES[profile] if f.instrument not in NOT_EXERCISED}
    for family in PROFILES[profile]:
        if family.instrument in exercised:
            assert set(family.series_names) <= set(served), family.instrument


def test_the_two_profiles_differ_where_the_spec_does() -> None:
    default = {f.instrument for f in PROFILES["default"]}
    newest = {f.instrument for f in PROFILES["newest"]}
    assert "gen_ai.client.operation.duration" in default - newest
    assert "gen_ai.client.inference.duration" in newest - default
    assert "gen_ai.invocation.duration" in newest - default
    assert {"gen_ai.execute_tool.duration", "gen_ai.invoke_agent.inference_calls"} <= (
        default & newest
    )
