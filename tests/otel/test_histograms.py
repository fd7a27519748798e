"""`record_each` and `record_one` give the same histogram points as one `record()` per value, on
the installed OpenTelemetry SDK: under views (other buckets, attribute filters, drop,
exponential), delta and cumulative readers, readers added later, past the cardinality limit, and
with exemplars."""

from __future__ import annotations

import random
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import (
    DropAggregation,
    ExplicitBucketHistogramAggregation,
    ExponentialBucketHistogramAggregation,
    View,
)
from opentelemetry.sdk.trace import TracerProvider

from otel_agents.otel import histograms
from otel_agents.otel import semconv as sc
from otel_agents.otel.histograms import record_each, record_one

ATTRS = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m", "server.port": 443}


def _values(n: int, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [rng.choice((0.0, 0.001, 0.015, 0.03, 0.5, 3.0, 200.0)) * rng.random() for _ in range(n)]


def _points(
    views: list[View],
    delta: bool,
    how: str,
    values: list[float],
    exemplars: bool = True,
    **kw: Any,
) -> Any:
    temporality = AggregationTemporality.DELTA if delta else AggregationTemporality.CUMULATIVE
    from opentelemetry.sdk.metrics import Histogram

    reader = InMemoryMetricReader(preferred_temporality={Histogram: temporality})
    provider = MeterProvider(metric_readers=[reader], views=views)
    histogram = provider.get_meter("t").create_histogram(
        "h", unit="s", explicit_bucket_boundaries_advisory=sc.SECONDS_BUCKETS
    )
    attrs = kw.get("attrs", ATTRS)
    tracer = TracerProvider().get_tracer("t")
    rounds = []
    with tracer.start_as_current_span("call"):
        for chunk in (values[: len(values) // 2], values[len(values) // 2 :]):
            for other in kw.get("others", []):
                histogram.record(0.02, other)
            if how == "each":
                record_each(histogram, chunk, attrs)
            elif how == "record":
                for v in chunk:
                    histogram.record(v, attrs)
            else:
                for v in chunk:
                    record_one(histogram, v, attrs)
            if kw.get("add_reader") and len(rounds) == 0:
                provider.add_metric_reader(late := InMemoryMetricReader())
                kw["late"] = late
            rounds.append(_shape(reader.get_metrics_data(), exemplars))
            if "late" in kw:
                rounds.append(_shape(kw["late"].get_metrics_data(), exemplars))
    provider.shutdown()
    return rounds


def _shape(data: Any, exemplars: bool) -> list[Any]:
    out = []
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                for p in metric.data.data_points:
                    fields = {
                        k: getattr(p, k)
                        for k in ("count", "min", "max", "bucket_counts", "explicit_bounds")
                        if hasattr(p, k)
                    }
                    fields["sum"] = pytest.approx(p.sum, rel=1e-12)
                    fields["attributes"] = dict(p.attributes)
                    if exemplars:
                        fields["exemplars"] = sorted(e.value for e in p.exemplars)
                    out.append((metric.name, fields))
    return sorted(out, key=repr)


# Exemplars match where the view keeps the advisory buckets (the last value of each bucket is
# recorded through the SDK); with other buckets each is still a value of its bucket, and the
# exponential histogram's reservoir samples at random.
CASES = {
    "plain": [],
    "own buckets": [
        View(instrument_name="h", aggregation=ExplicitBucketHistogramAggregation((0.0, 1.0)))
    ],
    "attribute filter": [View(instrument_name="h", attribute_keys={"server.port"})],
    "two views, one dropped": [
        View(instrument_name="h", name="kept"),
        View(instrument_name="h", name="gone", aggregation=DropAggregation()),
    ],
    "exponential (falls back)": [
        View(instrument_name="h", aggregation=ExponentialBucketHistogramAggregation())
    ],
}


@pytest.mark.parametrize("how", ["each", "one"])
@pytest.mark.parametrize("delta", [False, True], ids=["cumulative", "delta"])
@pytest.mark.parametrize("views", list(CASES.values()), ids=list(CASES))
def test_same_points_as_one_record_per_value(views: list[View], delta: bool, how: str) -> None:
    values = _values(400)
    exemplars = how == "one" or not any(
        type(v._aggregation).__name__.startswith(("Expl", "Expo")) for v in views
    )
    if any(type(v._aggregation).__name__.startswith("Expo") for v in views):
        exemplars = False  # its reservoir samples at random
    ours = _points(views, delta, how, values, exemplars)
    assert ours == _points(views, delta, "record", values, exemplars)


@pytest.mark.parametrize("how", ["each", "one"])
def test_a_reader_added_later_gets_the_values_recorded_after(how: str) -> None:
    values = _values(60)
    ours = _points([], False, how, values, add_reader=True)
    assert ours == _points([], False, "record", values, add_reader=True)
    assert sum(f["count"] for _, f in ours[-1]) == 30  # the late reader: the second half


def test_record_one_with_list_values_takes_the_sdk_path() -> None:
    attrs = {**ATTRS, "tags": ["a", "b"]}
    values = _values(20)
    assert _points([], False, "one", values, attrs=attrs) == _points(
        [], False, "record", values, attrs=attrs
    )


def test_past_the_cardinality_limit_the_overflow_set_gets_every_value() -> None:
    from opentelemetry.sdk.metrics import Histogram

    others = [{"n": i} for i in range(3)]
    view = [View(instrument_name="h", aggregation_cardinality_limit=2)]
    values = _values(50)
    batch = _points(view, False, "each", values, others=others)
    assert batch == _points(view, False, "record", values, others=others)
    one = _points(view, False, "one", values, others=others)
    assert one == _points(view, False, "record", values, others=others)
    assert Histogram  # the overflow point carries the 50 values
    assert any(f["attributes"] == {"otel.metric.overflow": True} for _, f in batch[-1])


def test_negative_values_and_small_batches_take_one_record_each(monkeypatch: Any) -> None:
    calls: list[int] = []
    real = histograms._record_batch
    monkeypatch.setattr(histograms, "_record_batch", lambda *a: calls.append(len(a[1])) or real(*a))
    values = _values(40)
    for chunk in (values[:5], [*values[:20], -1.0]):
        with_negative = _points([], False, "each", chunk)
        assert with_negative == _points([], False, "record", chunk)
    assert calls == [10, 11]  # halves of 21 values reach the batch path; 5 values never do


@pytest.mark.parametrize("delta", [False, True], ids=["cumulative", "delta"])
def test_record_one_on_a_counter_is_add(delta: bool) -> None:
    from opentelemetry.sdk.metrics import Counter

    def points(direct: bool) -> list[Any]:
        temporality = AggregationTemporality.DELTA if delta else AggregationTemporality.CUMULATIVE
        reader = InMemoryMetricReader(preferred_temporality={Counter: temporality})
        provider = MeterProvider(metric_readers=[reader])
        counter = provider.get_meter("t").create_counter("c", unit="{token}")
        out = []
        with TracerProvider().get_tracer("t").start_as_current_span("call"):
            for n in (3, 5, 0, 7):
                record_one(counter, n, ATTRS) if direct else counter.add(n, ATTRS)
                data = reader.get_metrics_data()
                out.append(
                    [
                        (p.value, dict(p.attributes), [e.value for e in p.exemplars])
                        for rm in data.resource_metrics
                        for sm in rm.scope_metrics
                        for m in sm.metrics
                        for p in m.data.data_points
                    ]
                )
        provider.shutdown()
        return out

    assert points(True) == points(False)


def test_record_one_after_a_forked_child_forgot_its_parents_points() -> None:
    """forked.py gives a child's provider empty storage: later records land in the new one."""
    from otel_agents.otel import forked

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    histogram = provider.get_meter("t").create_histogram("h", unit="s")
    record_one(histogram, 1.0, ATTRS)
    forked._forget_points(provider)  # what the child's at-fork hook does
    record_one(histogram, 2.0, ATTRS)
    record_one(histogram, 3.0, ATTRS)
    [point] = _shape(reader.get_metrics_data(), exemplars=False)
    assert (point[1]["count"], point[1]["sum"]) == (2, 5.0)
    provider.shutdown()
