"""The metric catalogue (tests/deploy/_catalog.py) matches what the bridge really emits.

The dashboard checks trust the catalogue for "every metric a dashboard queries is one the
project emits"; these tests keep it honest: the instruments `otel_agents.otel.metrics` creates
(names, units, kinds, attribute keys) and the names the Python Prometheus exporter serves for
them are exactly the catalogue's.
"""

from __future__ import annotations

from opentelemetry import trace as trace_api
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider, ObservableCounter
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from otel_agents.otel import semconv as sc
from otel_agents.otel.metrics import get_metrics
from otel_agents.otel.parenting import Entry
from otel_agents.tracing import AgentSpanData, FunctionSpanData

from ._catalog import FAMILIES, project_series


def _record_everything(provider: MeterProvider) -> None:
    bridge = get_metrics(provider)
    attrs = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
        sc.GEN_AI_PROVIDER_NAME: "openai",
        sc.GEN_AI_REQUEST_MODEL: "m",
        sc.GEN_AI_AGENT_NAME: "a",
    }
    bridge.record_operation(attrs, 0.1, error_type="E")
    bridge.record_usage(attrs, {"input_tokens": 3, "output_tokens": 5})
    bridge.record_stream_timing(attrs, 0.05, 0.01)
    bridge.record_stream_events("a", {"raw_response_event:response.output_text.delta": 2})
    bridge.record_run("success", "a", "wf")
    bridge.record_tool_call("t", False, "a")
    bridge.record_handoff("a", "b")
    bridge.record_guardrail_trip("g", "input")
    bridge.record_dropped("spans", 1)
    # The per-operation histograms, as spans of each kind record them.
    agent = Entry(trace_api.INVALID_SPAN, "a", "wf", None)
    bridge.record_span(AgentSpanData(name="a", model="m"), 0.2, "E", agent)
    bridge.record_span(FunctionSpanData(name="t"), 0.01, None, agent)
    bridge.record_workflow("wf", 1.0, "E")


def test_catalogue_matches_the_instruments_the_bridge_creates() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    _record_everything(provider)
    data = reader.get_metrics_data()
    assert data is not None
    metrics = {
        m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    assert set(metrics) == {f.instrument for f in FAMILIES}
    for family in FAMILIES:
        metric = metrics[family.instrument]
        assert metric.unit == family.unit, family.instrument
        for point in metric.data.data_points:
            keys = set(point.attributes or {})
            assert keys <= family.attributes, f"{family.instrument}: {keys - family.attributes}"
    # Counters are ObservableCounters over running totals (metrics.py): a monotonic sum either way.
    kinds = {
        inst.name: "counter" if isinstance(inst, Counter | ObservableCounter) else "histogram"
        for inst in vars(get_metrics(provider)).values()
        if isinstance(inst, Counter | ObservableCounter | Histogram)
    }
    assert kinds == {f.instrument: f.kind for f in FAMILIES}
    provider.shutdown()


def test_catalogue_names_are_what_the_prometheus_exporter_serves() -> None:
    registry = CollectorRegistry()
    provider = MeterProvider(metric_readers=[PrometheusMetricReader(registry=registry)])
    _record_everything(provider)
    text = generate_latest(registry).decode()
    series = project_series()
    served = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            served.setdefault(sample.name, set()).update(sample.labels)
    served.pop("target_info")
    for name, labels in served.items():
        assert name in series, f"served {name}, not in the catalogue"
        assert labels <= series[name], f"{name}: {labels - series[name]}"
    assert set(served) == set(series), set(series) - set(served)
    provider.shutdown()
