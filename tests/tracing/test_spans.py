"""Spans: nesting and parents, ids, exactly-once start/finish, errors, times, data, export."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest

from otel_agents.exceptions import MaxTurnsExceeded
from otel_agents.tracing import (
    AgentSpanData,
    CustomSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    NoOpSpan,
    Span,
    SpanData,
    SpanError,
    add_trace_processor,
    agent_span,
    create_span,
    custom_span,
    function_span,
    generation_span,
    guardrail_span,
    handoff_span,
    trace,
)
from support.tracing_recorder import RecordingProcessor

SPAN_ID = re.compile(r"span_[0-9a-f]{16}")
TRACE_ID = re.compile(r"trace_[0-9a-f]{32}")


def test_spans_nest_under_the_current_span_and_trace(recorder: RecordingProcessor) -> None:
    with trace("nesting") as t:
        with agent_span("Triage") as agent:
            with generation_span(model="gpt-test") as generation:
                pass
            with function_span("lookup") as function, custom_span("inner") as custom:
                pass
        with agent_span("Support") as second:
            pass

    assert {s.trace_id for s in (agent, generation, function, custom, second)} == {t.trace_id}
    assert agent.parent_id is None
    assert second.parent_id is None
    assert generation.parent_id == agent.span_id
    assert function.parent_id == agent.span_id
    assert custom.parent_id == function.span_id
    assert recorder.tree() == {
        "type": "trace",
        "name": "nesting",
        "children": [
            {
                "type": "agent",
                "name": "Triage",
                "children": [
                    {"type": "generation", "name": "gpt-test"},
                    {
                        "type": "function",
                        "name": "lookup",
                        "children": [{"type": "custom", "name": "inner"}],
                    },
                ],
            },
            {"type": "agent", "name": "Support"},
        ],
    }
    recorder.assert_well_formed()


def test_explicit_parent_overrides_the_current_span(recorder: RecordingProcessor) -> None:
    with trace("explicit") as t, agent_span("A") as a:
        with custom_span("under-trace", parent=t) as top:
            pass
        b = agent_span("B", parent=t)
        b.start()
        with custom_span("under-b", parent=b) as under_b:
            pass
        b.finish()
    assert top.parent_id is None
    assert under_b.parent_id == b.span_id
    assert a.parent_id is None
    recorder.assert_well_formed()


def test_ids_have_the_otel_mappable_form_and_are_unique(recorder: RecordingProcessor) -> None:
    span_ids: set[str] = set()
    trace_ids: set[str] = set()
    for _ in range(200):
        with trace("ids") as t:
            trace_ids.add(t.trace_id)
            assert TRACE_ID.fullmatch(t.trace_id)
            for _ in range(5):
                with custom_span("s") as s:
                    assert SPAN_ID.fullmatch(s.span_id)
                    span_ids.add(s.span_id)
    assert len(trace_ids) == 200
    assert len(span_ids) == 1000


def test_start_and_finish_twice_are_no_ops(recorder: RecordingProcessor) -> None:
    with trace("twice"):
        span = custom_span("s")
        span.start(mark_as_current=True)
        first_start = span.start_time_ns
        span.start(mark_as_current=True)
        span.finish(reset_current=True)
        first_end = span.end_time_ns
        span.finish(reset_current=True)
        with span:  # a `with` on an ended span changes nothing either
            pass
    assert span.start_time_ns == first_start
    assert span.end_time_ns == first_end
    kinds = [kind for kind, item in recorder.events if item is span]
    assert kinds == ["span_start", "span_end"]
    recorder.assert_well_formed()


def test_finish_without_start_reports_nothing(recorder: RecordingProcessor) -> None:
    with trace("unstarted"):
        span = custom_span("never-started")
        span.finish(reset_current=True)
    assert span.end_time_ns is None
    assert [kind for kind, _ in recorder.events] == ["trace_start", "trace_end"]


@pytest.mark.parametrize(
    ("exc", "type_name"),
    [
        (ValueError("Service temporarily unavailable"), "ValueError"),
        (MaxTurnsExceeded("Max turns (5) exceeded"), "otel_agents.exceptions.MaxTurnsExceeded"),
    ],
    ids=["builtin", "library"],
)
def test_with_block_records_the_exception_and_reraises(
    recorder: RecordingProcessor, exc: Exception, type_name: str
) -> None:
    with trace("errors"), pytest.raises(type(exc)), custom_span("failing") as span:
        raise exc
    assert span.error == SpanError(message=str(exc), data=None, type=type_name)
    assert span.end_time_ns is not None
    assert recorder.tree()["children"] == [
        {"type": "custom", "name": "failing", "error": type_name}
    ]


@pytest.mark.parametrize(
    "exc_type",
    [asyncio.CancelledError, GeneratorExit, KeyboardInterrupt],
    ids=["cancelled", "generator-exit", "keyboard-interrupt"],
)
def test_control_flow_exceptions_end_the_span_without_an_error(
    recorder: RecordingProcessor, exc_type: type[BaseException]
) -> None:
    with trace("control"), pytest.raises(exc_type), custom_span("interrupted") as span:
        raise exc_type()
    assert span.error is None
    assert span.end_time_ns is not None


def test_an_error_set_in_the_block_is_kept(recorder: RecordingProcessor) -> None:
    explicit = SpanError(message="tripwire", data={"guardrail": "no_pii"}, type="tripwire")
    with trace("kept"), pytest.raises(RuntimeError), custom_span("s") as span:
        span.set_error(explicit)
        raise RuntimeError("later")
    assert span.error is explicit


def test_record_exception_keeps_data(recorder: RecordingProcessor) -> None:
    with trace("record"), function_span("flaky_tool") as span:
        span.record_exception(ValueError("boom"), data={"attempt": 2})
    assert span.error == SpanError(message="boom", data={"attempt": 2}, type="ValueError")


def test_times_are_exact_nanoseconds_and_float_seconds(recorder: RecordingProcessor) -> None:
    before = time.time_ns()
    with trace("times") as t, custom_span("timed") as span:
        busy_until = time.perf_counter() + 0.002
        while time.perf_counter() < busy_until:
            pass
    after = time.time_ns()
    for item in (t, span):
        assert isinstance(item.start_time_ns, int)
        assert isinstance(item.end_time_ns, int)
        assert before <= item.start_time_ns <= item.end_time_ns
        assert item.started_at == item.start_time_ns / 1e9
        assert item.ended_at == item.end_time_ns / 1e9
    assert span.end_time_ns is not None and span.start_time_ns is not None
    assert span.end_time_ns - span.start_time_ns >= 2_000_000
    # The end is start + monotonic elapsed time: within the wall-clock window (small tolerance
    # for the clocks' different rates).
    assert span.end_time_ns <= after + 1_000_000
    duration = span.ended_at - span.started_at  # type: ignore[operator]
    # Float seconds since the epoch resolve ~0.24 us; exporters use the nanosecond ints.
    assert duration == pytest.approx((span.end_time_ns - span.start_time_ns) / 1e9, abs=1e-6)
    assert re.fullmatch(r"\d+\.\d\d", f"{duration:.2f}")


def test_times_are_none_before_start(recorder: RecordingProcessor) -> None:
    with trace("none"):
        span = custom_span("not yet")
        assert (span.started_at, span.ended_at) == (None, None)
        assert (span.start_time_ns, span.end_time_ns) == (None, None)


@pytest.mark.parametrize(
    ("make", "data_type", "span_type", "name"),
    [
        (
            lambda: agent_span("Triage", handoffs=["Support"], tools=["t"]),
            AgentSpanData,
            "agent",
            "Triage",
        ),
        (
            lambda: generation_span(model="gpt-4o", stream=True),
            GenerationSpanData,
            "generation",
            "gpt-4o",
        ),
        (lambda: function_span("lookup", call_id="call_1"), FunctionSpanData, "function", "lookup"),
        (lambda: guardrail_span("no_pii", kind="output"), GuardrailSpanData, "guardrail", "no_pii"),
        (
            lambda: handoff_span("Triage", "Support"),
            HandoffSpanData,
            "handoff",
            "Triage -> Support",
        ),
        (lambda: custom_span("step", {"k": 1}), CustomSpanData, "custom", "step"),
    ],
    ids=["agent", "generation", "function", "guardrail", "handoff", "custom"],
)
def test_factories_build_their_data_type(
    recorder: RecordingProcessor,
    make: Any,
    data_type: type[SpanData],
    span_type: str,
    name: str,
) -> None:
    with trace("factories"):
        span = make()
        with span:
            pass
    assert isinstance(span, Span) and not isinstance(span, NoOpSpan)
    assert isinstance(span.span_data, data_type)
    assert span.span_type == span_type
    assert recorder.tree()["children"] == [{"type": span_type, "name": name}]


def test_factory_arguments_reach_the_span_data(recorder: RecordingProcessor) -> None:
    tools = ["search"]
    with trace("args"):
        agent = agent_span(
            "A", handoffs=["B"], tools=tools, output_type="Answer", model="m", provider="p"
        )
        generation = generation_span(
            model="gpt-4o",
            provider="openai",
            model_config={"temperature": 0.2},
            server_address="localhost",
            server_port=8080,
            stream=True,
        )
        function = function_span("search", call_id="call_7", description="Find", input='{"q": 1}')
        guardrail = guardrail_span("g", kind="output", triggered=True)
        custom = custom_span("c", sensitive=True)
    assert agent.span_data == AgentSpanData(
        name="A", handoffs=["B"], tools=["search"], output_type="Answer", model="m", provider="p"
    )
    assert agent.span_data.tools is tools  # no copies: the caller's list is the data
    assert generation.span_data == GenerationSpanData(
        model="gpt-4o",
        provider="openai",
        model_config={"temperature": 0.2},
        server_address="localhost",
        server_port=8080,
        stream=True,
    )
    assert function.span_data == FunctionSpanData(
        name="search", call_id="call_7", description="Find", input='{"q": 1}'
    )
    assert guardrail.span_data == GuardrailSpanData(name="g", kind="output", triggered=True)
    assert custom.span_data == CustomSpanData(name="c", data={}, sensitive=True)


def test_late_fields_filled_before_the_end_are_seen_at_the_end(
    recorder: RecordingProcessor,
) -> None:
    seen: dict[str, Any] = {}

    class Snapshot(RecordingProcessor):
        def on_span_start(self, span: Span[Any]) -> None:
            seen["start"] = span.span_data.export()

        def on_span_end(self, span: Span[Any]) -> None:
            seen["end"] = span.span_data.export()

    add_trace_processor(Snapshot())
    with trace("late"), handoff_span(from_agent="Triage") as span:
        span.span_data.to_agent = "Support"
    assert seen["start"] == {"from_agent": "Triage", "to_agent": None, "type": "handoff"}
    assert seen["end"] == {"from_agent": "Triage", "to_agent": "Support", "type": "handoff"}


def test_create_span_keeps_the_given_data_object(recorder: RecordingProcessor) -> None:
    data = CustomSpanData(name="mine", data={"a": 1})
    with trace("generic"), create_span(data) as span:
        pass
    assert span.span_data is data


def test_export_is_json_ready_and_complete(recorder: RecordingProcessor) -> None:
    with (
        trace("export") as t,
        agent_span("A") as parent,
        pytest.raises(ValueError),
        custom_span("c", data={"n": 1}) as span,
    ):
        raise ValueError("bad")
    assert span.export() == {
        "object": "trace.span",
        "id": span.span_id,
        "trace_id": t.trace_id,
        "parent_id": parent.span_id,
        "started_at": span.started_at,
        "ended_at": span.ended_at,
        "start_time_ns": span.start_time_ns,
        "end_time_ns": span.end_time_ns,
        "span_data": {"name": "c", "data": {"n": 1}, "sensitive": False, "type": "custom"},
        "error": {"message": "bad", "data": None, "type": "ValueError"},
    }


def test_without_a_trace_spans_are_no_ops(recorder: RecordingProcessor) -> None:
    with custom_span("orphan") as span:
        assert isinstance(span, NoOpSpan)
        with function_span("child") as child:
            assert isinstance(child, NoOpSpan)
        span.span_data.data["late"] = True  # late fields still work on a no-op span
    assert recorder.events == []
