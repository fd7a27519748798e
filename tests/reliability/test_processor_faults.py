"""A processor that raises, or blocks, in every callback changes no result, and every other
processor (the OpenTelemetry bridge included) still receives every trace and span."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from otel_agents import Runner
from otel_agents.tracing import TracingProcessor, flush_traces, get_trace_provider
from support.tracing_recorder import RecordingProcessor

from ._support import Pipeline, assert_nothing_current, by_trace, shape, two_agents
from .conftest import Bridge


class Raising(TracingProcessor):
    """Raises in every callback, including flush and shutdown."""

    def __init__(self) -> None:
        self.calls = 0

    def _boom(self, *args: Any) -> None:
        self.calls += 1
        raise RuntimeError("broken processor")

    on_trace_start = on_trace_end = on_span_start = on_span_end = _boom  # type: ignore[assignment]
    force_flush = shutdown = _boom  # type: ignore[assignment]


class Blocking(TracingProcessor):
    """Blocks the caller briefly in every callback (a processor doing I/O on the hot path)."""

    def __init__(self, seconds: float = 0.003) -> None:
        self.seconds = seconds
        self.calls = 0

    def _block(self, *args: Any) -> None:
        self.calls += 1
        threading.Event().wait(self.seconds)

    on_trace_start = on_trace_end = on_span_start = on_span_end = _block  # type: ignore[assignment]


async def run_once(stream: bool) -> list[Any]:
    """Two runs of the handoff + tool graph; returns what a caller can observe of them."""
    observed: list[Any] = []
    for i in range(2):
        if stream:
            streamed = Runner.run_streamed(two_agents(i), f"question {i}")
            kinds = [event.type async for event in streamed.stream_events()]
            observed.append((streamed.final_output, streamed.last_agent.name, kinds))  # type: ignore[union-attr]
        else:
            result = await Runner.run(two_agents(i), f"question {i}")
            items = [type(item).__name__ for item in result.new_items]
            observed.append((result.final_output, result.last_agent.name, items))  # type: ignore[union-attr]
    return observed


@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])
@pytest.mark.parametrize("faulty", ["raises", "blocks"])
@pytest.mark.usefixtures("allow_processor_errors")
async def test_a_faulty_processor_changes_nothing_for_the_run_or_the_other_processors(
    bridge: Bridge,
    pipeline: Pipeline,
    caplog: pytest.LogCaptureFixture,
    faulty: str,
    stream: bool,
) -> None:
    # Reference: the same runs with only healthy processors.
    reference_recorder = RecordingProcessor()
    bridge(reference_recorder)
    expected = await run_once(stream)
    expected_trees = reference_recorder.trees()
    expected_shapes = sorted(map(str, _shapes(pipeline)))
    pipeline.exporter.clear()

    bad: Raising | Blocking = Raising() if faulty == "raises" else Blocking()
    recorder = RecordingProcessor()
    otel = bridge()
    get_trace_provider().set_processors([bad, otel, recorder])  # the faulty one goes first
    with caplog.at_level(logging.ERROR, logger="otel_agents.tracing"):
        observed = await run_once(stream)
        flush_traces()

    assert observed == expected
    assert bad.calls > 0
    recorder.assert_well_formed()
    assert recorder.trees() == expected_trees
    assert sorted(map(str, _shapes(pipeline))) == expected_shapes
    assert_nothing_current()
    if faulty == "raises":
        # One line per broken callback, however many spans went by.
        errors = [r for r in caplog.records if "raised in" in r.getMessage()]
        assert len(errors) == 5, [r.getMessage() for r in errors]


def _shapes(pipeline: Pipeline) -> list[Any]:
    return [shape(spans) for spans in by_trace(pipeline.spans).values()]


@pytest.mark.usefixtures("allow_processor_errors")
def test_a_raising_processor_is_called_once_per_event_and_the_run_completes(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bad = Raising()
    recorder = RecordingProcessor()
    bridge(bad, recorder)
    result = Runner.run_sync(two_agents(0), "question")
    assert result.final_output == "done 0"
    starts = [k for k, _ in recorder.events if k in ("trace_start", "span_start")]
    ends = [k for k, _ in recorder.events if k in ("trace_end", "span_end")]
    # Each trace and span reached the faulty processor exactly once per callback.
    assert bad.calls == len(starts) + len(ends)
    recorder.assert_well_formed()
