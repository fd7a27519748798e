"""What a forked child does to the meter providers otel-agents installed, run in this process
(the real fork is in tests/reliability/test_fork_metrics.py): it forgets the points recorded
before, keeps its instruments, and says so if the SDK's storage ever changes shape."""

from __future__ import annotations

import logging
import weakref
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from otel_agents.otel import forked
from support.otel_memory import metric_points


@pytest.fixture(autouse=True)
def own_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only this test's providers are reset (not those other tests installed in this process)."""
    providers: weakref.WeakSet[Any] = weakref.WeakSet()
    monkeypatch.setattr(forked, "_providers", providers)


def test_a_child_forgets_the_parents_points_and_keeps_its_instruments(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    histogram = provider.get_meter("test").create_histogram("duration", unit="s")
    counter = provider.get_meter("test").create_counter("calls")
    histogram.record(1.0)
    counter.add(5)
    forked.reset_metrics_in_children(provider)
    forked._after_fork_in_child()  # what runs in the child after a fork
    histogram.record(2.0)
    counter.add(1)
    [(_, point)] = metric_points(reader, "duration")
    assert (point.count, point.sum) == (1, 2.0)  # the child's own point only
    assert [value for _, value in metric_points(reader, "calls")] == [1]
    assert caplog.records == []
    provider.shutdown()


def test_an_sdk_storage_of_another_shape_is_a_warning_never_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Strange:
        pass

    provider = Strange()
    forked.reset_metrics_in_children(provider)
    with caplog.at_level(logging.WARNING, logger="otel_agents.otel"):
        forked._after_fork_in_child()
    assert "may report its parent's metric points again" in caplog.text
