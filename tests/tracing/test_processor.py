"""The processor contract: exactly-once ordered callbacks, failure isolation, where calls run."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from otel_agents.tracing import (
    MultiProcessor,
    Span,
    Trace,
    TracingProcessor,
    add_trace_processor,
    agent_span,
    custom_span,
    flush_traces,
    get_trace_provider,
    set_trace_processors,
    trace,
)
from support.tracing_recorder import RecordingProcessor


class Exploding(TracingProcessor):
    """Raises in every callback."""

    def __init__(self) -> None:
        self.calls = 0

    def _boom(self) -> None:
        self.calls += 1
        raise RuntimeError("processor bug")

    def on_trace_start(self, trace: Trace) -> None:
        self._boom()

    def on_trace_end(self, trace: Trace) -> None:
        self._boom()

    def on_span_start(self, span: Span[Any]) -> None:
        self._boom()

    def on_span_end(self, span: Span[Any]) -> None:
        self._boom()

    def force_flush(self) -> None:
        self._boom()

    def shutdown(self) -> None:
        self._boom()


def test_callbacks_come_once_each_in_order(recorder: RecordingProcessor) -> None:
    with trace("order") as t, agent_span("A") as a:
        with custom_span("first") as first:
            pass
        with custom_span("second") as second:
            pass
    assert recorder.events == [
        ("trace_start", t),
        ("span_start", a),
        ("span_start", first),
        ("span_end", first),
        ("span_start", second),
        ("span_end", second),
        ("span_end", a),
        ("trace_end", t),
    ]


def test_a_raising_processor_stops_neither_the_code_nor_the_others(
    recorder: RecordingProcessor, caplog: pytest.LogCaptureFixture
) -> None:
    exploding = Exploding()
    after = RecordingProcessor()
    set_trace_processors([exploding, recorder, after])
    with caplog.at_level(logging.ERROR, logger="otel_agents.tracing"):
        for _ in range(3):
            with trace("survives"), agent_span("A"), custom_span("c"):
                result = "the code ran"
        flush_traces()
        get_trace_provider().shutdown()

    assert result == "the code ran"
    assert exploding.calls == 3 * 6 + 3  # 3 traces of 2 spans, flush, shutdown = flush + shutdown
    assert len(recorder.trees()) == len(after.trees()) == 3
    recorder.assert_well_formed()
    assert (after.flushes, after.shutdowns) == (2, 1)  # shutdown flushes first
    # One log line per failing (processor, callback), not one per call.
    logged = sorted(r.getMessage().split(" raised in ")[1].split(";")[0] for r in caplog.records)
    assert logged == sorted(
        [
            "on_trace_start",
            "on_trace_end",
            "on_span_start",
            "on_span_end",
            "force_flush",
            "shutdown",
        ]
    )
    assert all("Exploding" in r.getMessage() and r.exc_info for r in caplog.records)


def test_a_processor_may_implement_only_the_four_callbacks() -> None:
    class Minimal(TracingProcessor):
        def on_trace_start(self, trace: Trace) -> None:
            pass

        def on_trace_end(self, trace: Trace) -> None:
            pass

        def on_span_start(self, span: Span[Any]) -> None:
            pass

        def on_span_end(self, span: Span[Any]) -> None:
            pass

    Minimal().force_flush()
    Minimal().shutdown()


def test_a_processor_missing_a_callback_cannot_be_built() -> None:
    class Incomplete(TracingProcessor):
        def on_trace_start(self, trace: Trace) -> None:
            pass

    with pytest.raises(TypeError, match="on_span_end"):
        Incomplete()  # type: ignore[abstract]


def test_callbacks_run_on_the_thread_that_ends_the_span(recorder: RecordingProcessor) -> None:
    threads: dict[str, int] = {}

    class ThreadRecorder(RecordingProcessor):
        def on_span_start(self, span: Span[Any]) -> None:
            threads["start"] = threading.get_ident()

        def on_span_end(self, span: Span[Any]) -> None:
            threads["end"] = threading.get_ident()

    add_trace_processor(ThreadRecorder())
    with trace("threads"):
        span = custom_span("moves")
        span.start()
        worker = threading.Thread(target=span.finish)
        worker.start()
        worker.join(timeout=10)
    assert threads["start"] == threading.get_ident()
    assert threads["end"] == worker.ident


def test_add_appends_and_set_replaces(recorder: RecordingProcessor) -> None:
    second, third = RecordingProcessor(), RecordingProcessor()
    add_trace_processor(second)
    assert get_trace_provider().processors == (recorder, second)
    set_trace_processors([third])
    assert get_trace_provider().processors == (third,)
    with trace("only-third"):
        pass
    assert recorder.events == second.events == []
    assert len(third.traces) == 1


def test_multi_processor_is_a_processor_over_a_tuple() -> None:
    first, second = RecordingProcessor(), RecordingProcessor()
    multi = MultiProcessor([first])
    multi.add(second)
    assert multi.processors == (first, second)
    multi.force_flush()
    assert (first.flushes, second.flushes) == (1, 1)
    multi.set([])
    assert multi.processors == ()
