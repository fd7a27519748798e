"""The bridge's counters: running totals published by ObservableCounter callbacks (totals.py)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from opentelemetry import trace as trace_api
from opentelemetry.sdk.metrics import MeterProvider, ObservableCounter
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader

from otel_agents.otel import semconv as sc
from otel_agents.otel import totals
from otel_agents.otel.metrics import get_metrics
from otel_agents.otel.parenting import Entry
from otel_agents.tracing.span_data import AgentSpanData, FunctionSpanData

from ._trees import Pipeline


def _sums(reader: InMemoryMetricReader, name: str) -> dict[tuple[tuple[str, Any], ...], Any]:
    data = reader.get_metrics_data()
    out: dict[tuple[tuple[str, Any], ...], Any] = {}
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                if metric.name == name:
                    assert metric.data.is_monotonic
                    for point in metric.data.data_points:
                        out[tuple(sorted((point.attributes or {}).items()))] = point.value
    return out


RUN = (
    (sc.GEN_AI_AGENT_NAME, "A"),
    (sc.GEN_AI_WORKFLOW_NAME, "wf"),
    (sc.OA_RUN_OUTCOME, "success"),
)


def test_counts_are_cumulative_sums_read_when_a_reader_collects(pipeline: Pipeline) -> None:
    metrics = get_metrics(pipeline.meter_provider)
    assert isinstance(metrics.runs, ObservableCounter)
    assert _sums(pipeline.reader, sc.METRIC_RUNS) == {}  # nothing counted: no series yet
    metrics.record_run("success", "A", "wf")
    metrics.record_run("success", "A", "wf")
    assert _sums(pipeline.reader, sc.METRIC_RUNS) == {RUN: 2}
    metrics.record_run("success", "A", "wf")
    assert _sums(pipeline.reader, sc.METRIC_RUNS) == {RUN: 3}  # cumulative across collections


def test_a_delta_reader_gets_the_increments() -> None:
    reader = InMemoryMetricReader(
        preferred_temporality={ObservableCounter: AggregationTemporality.DELTA}
    )
    provider = MeterProvider(metric_readers=[reader])
    metrics = get_metrics(provider)
    for _ in range(2):
        metrics.record_run("success", "A", "wf")
    assert _sums(reader, sc.METRIC_RUNS) == {RUN: 2}
    metrics.record_run("success", "A", "wf")
    assert _sums(reader, sc.METRIC_RUNS) == {RUN: 1}
    provider.shutdown()


def test_names_that_clean_to_the_same_attributes_are_one_series(pipeline: Pipeline) -> None:
    metrics = get_metrics(pipeline.meter_provider)
    metrics.record_tool_call("t\ud800", True, None)  # a lone surrogate becomes U+FFFD
    metrics.record_tool_call("t\ufffd", True, None)
    assert _sums(pipeline.reader, sc.METRIC_TOOL_CALLS) == {
        ((sc.GEN_AI_TOOL_NAME, "t\ufffd"), (sc.OA_TOOL_OUTCOME, "success")): 2
    }


def test_series_are_bounded_and_the_rest_counted_in_an_overflow_series(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(totals, "MAX_SERIES", 3)
    metrics = get_metrics(pipeline.meter_provider)
    for i in range(5):
        metrics.record_handoff(f"a{i}", "b")
    metrics.record_handoff("a4", "b")
    sums = _sums(pipeline.reader, sc.METRIC_HANDOFFS)
    assert len(sums) == 4
    assert sums[(("otel.metric.overflow", True),)] == 3  # a3, a4, a4
    assert sum(sums.values()) == 6


def test_stream_event_keys_become_type_and_name(pipeline: Pipeline) -> None:
    metrics = get_metrics(pipeline.meter_provider)
    counts = {
        "raw_response_event:response.output_text.delta": 200,
        "agent_updated_stream_event": 1,
        "run_item_stream_event:tool_called": 0,  # nothing to add
    }
    entry = Entry(trace_api.INVALID_SPAN, "A", None, None)
    metrics.record_span(AgentSpanData(name="A", stream_events=counts), None, None, entry)
    metrics.record_stream_events("A", {"raw_response_event:response.output_text.delta": 5})
    agent = (sc.GEN_AI_AGENT_NAME, "A")
    assert _sums(pipeline.reader, sc.METRIC_STREAM_EVENTS) == {
        (
            agent,
            (sc.OA_STREAM_EVENT_NAME, "response.output_text.delta"),
            (sc.OA_STREAM_EVENT_TYPE, "raw_response_event"),
        ): 205,
        (
            agent,
            (sc.OA_STREAM_EVENT_NAME, ""),
            (sc.OA_STREAM_EVENT_TYPE, "agent_updated_stream_event"),
        ): 1,
    }


def test_adds_from_many_threads_are_all_counted(pipeline: Pipeline) -> None:
    metrics = get_metrics(pipeline.meter_provider)
    data = FunctionSpanData("t")
    entry = Entry(trace_api.INVALID_SPAN, "A", None, None)
    start = threading.Barrier(4)

    def work() -> None:
        start.wait()
        for _ in range(5_000):
            metrics.record_span(data, 0.001, None, entry)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert list(_sums(pipeline.reader, sc.METRIC_TOOL_CALLS).values()) == [20_000]
