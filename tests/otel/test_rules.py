"""The GenAI conventions' rules that read the same in every 2026 revision, checked on what really
crosses the wire: spans, metric points and log records exported over OTLP/HTTP to the local
receiver, which decodes them with `opentelemetry-proto`.

Each test runs plain user code (our runner, the scripted model) with the bridge on an SDK
pipeline of all three signals whose exporters are the real OTLP/HTTP ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    Runner,
    function_tool,
    input_guardrail,
    trace,
)
from otel_agents.models import ScriptedModel, call_tool, fail, transfer_to
from otel_agents.otel import OTelTracingProcessor
from otel_agents.tracing import get_trace_provider
from support.otlp_receiver import OTLPReceiver, ReceivedSpan

from . import scenario


@dataclass
class Wire:
    """The bridge on OTLP/HTTP exporters of all three signals, and the receiver they reach."""

    receiver: OTLPReceiver
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    logger_provider: LoggerProvider

    metrics_flushed: bool = False

    def flush(self) -> None:
        self.tracer_provider.force_flush()
        self.logger_provider.force_flush()
        if not self.metrics_flushed:  # cumulative points: one export holds them all, once
            self.metrics_flushed = True
            self.meter_provider.force_flush()

    def spans(self, count: int) -> list[ReceivedSpan]:
        self.flush()
        return self.receiver.wait_for_spans(count=count)

    def span(self, name: str) -> ReceivedSpan:
        found = [s for s in self.receiver.spans if s.name == name]
        assert len(found) == 1, f"{len(found)} spans named {name!r}"
        return found[0]

    def logs(self, event_name: str, count: int) -> list[Any]:
        self.flush()
        logs = self.receiver.wait_for_logs(
            lambda rows: len([r for r in rows if r.event_name == event_name]) >= count
        )
        return [r for r in logs if r.event_name == event_name]

    def points(self, metric: str) -> list[Any]:
        self.flush()
        points = self.receiver.wait_for_points(lambda ps: any(p.metric == metric for p in ps))
        return [p for p in points if p.metric == metric]


@pytest.fixture
def wire(otlp_receiver: OTLPReceiver, monkeypatch: pytest.MonkeyPatch) -> Iterator[Wire]:
    monkeypatch.setenv("OTEL_AGENTS_STRICT", "1")
    base = otlp_receiver.http_endpoint.rstrip("/")
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(
        SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{base}/v1/traces"))
    )
    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=f"{base}/v1/metrics"), export_interval_millis=3_600_000
    )
    meter_provider = MeterProvider(metric_readers=[reader])
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"{base}/v1/logs"))
    )
    provider = get_trace_provider()
    state = provider.snapshot()
    processor = OTelTracingProcessor(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        logger_provider=logger_provider,
        capture_content="SPAN_AND_EVENT",
    )
    provider.set_processors([processor])
    provider.set_disabled(False)
    yield Wire(otlp_receiver, tracer_provider, meter_provider, logger_provider)
    provider.restore(state)
    for each in (tracer_provider, meter_provider, logger_provider):
        each.shutdown()


def _root(spans: list[ReceivedSpan]) -> ReceivedSpan:
    ids = {s.span_id for s in spans}
    [root] = [s for s in spans if s.parent_span_id not in ids]
    return root


# --- the root of a run ----------------------------------------------------------------------


async def test_a_plain_run_of_one_agent_is_a_standalone_agent_invocation(wire: Wire) -> None:
    agent = Agent(name="Helper", model=ScriptedModel(["Hi."]))
    await Runner.run(agent, input="hello")
    spans = wire.spans(2)
    root = _root(spans)
    assert root.name == "invoke_agent Helper"
    assert root.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert not [s for s in spans if s.attributes.get("gen_ai.operation.name") == "invoke_workflow"]
    assert wire.points("gen_ai.invoke_agent.duration")
    assert not [p for p in wire.receiver.points if p.metric == "gen_ai.invoke_workflow.duration"]


async def test_a_run_that_can_hand_off_is_a_workflow_named_after_its_entry_agent(
    wire: Wire,
) -> None:
    support = Agent(name="Support", model=ScriptedModel(["Done."]))
    triage = Agent(name="Triage", handoffs=[support], model=ScriptedModel([transfer_to("Support")]))
    await Runner.run(triage, input="help")
    root = _root(wire.spans(6))
    assert root.name == "invoke_workflow Triage"
    assert root.attributes["gen_ai.workflow.name"] == "Triage"
    assert "Agent workflow" not in {str(v) for s in wire.receiver.spans for v in [s.name]}
    [point] = wire.points("gen_ai.invoke_workflow.duration")
    assert point.attributes["gen_ai.workflow.name"] == "Triage"


@input_guardrail(name="blocker")
def _blocker(ctx: Any, agent: Any, data: Any) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=True)


@pytest.mark.parametrize(
    ("case", "error_type"),
    [
        ("guardrail", "otel_agents.exceptions.InputGuardrailTripwireTriggered"),
        ("max_turns", "otel_agents.exceptions.MaxTurnsExceeded"),
        ("model_error", "ConnectionError"),
    ],
)
@pytest.mark.parametrize("in_trace", [False, True], ids=["standalone", "in-trace"])
async def test_a_run_that_ends_in_an_exception_marks_its_root_error(
    wire: Wire, case: str, error_type: str, in_trace: bool
) -> None:
    @function_tool
    def again() -> str:
        """Loops."""
        return "again"

    if case == "guardrail":
        agent = Agent(name="A", input_guardrails=[_blocker], model=ScriptedModel(["never"]))
        expected: type[BaseException] = InputGuardrailTripwireTriggered
    elif case == "max_turns":
        agent = Agent(name="A", tools=[again], model=ScriptedModel([call_tool("again")] * 3))
        expected = MaxTurnsExceeded
    else:
        agent = Agent(name="A", model=ScriptedModel([fail(ConnectionError("refused"))]))
        expected = ConnectionError
    with pytest.raises(expected):
        if in_trace:
            with trace("checkout"):
                await Runner.run(agent, input="hi", max_turns=2)
        else:
            await Runner.run(agent, input="hi", max_turns=2)
    root = _root(wire.spans(2))
    assert root.name == ("invoke_workflow checkout" if in_trace else "invoke_agent A")
    assert root.status_code == "ERROR"
    assert root.attributes["error.type"] == error_type


# --- attributes every span carries ----------------------------------------------------------


async def test_every_span_and_event_of_a_conversation_carries_its_id(wire: Wire) -> None:
    await scenario.run()
    spans = wire.spans(12)
    assert {s.attributes.get("gen_ai.conversation.id") for s in spans} == {scenario.GROUP_ID}
    wire.logs("gen_ai.guardrail.result", 1)
    wire.logs("gen_ai.client.inference.operation.details", 3)
    logs = wire.receiver.logs
    assert logs and {r.attributes.get("gen_ai.conversation.id") for r in logs} == {
        scenario.GROUP_ID
    }


async def test_tools_name_their_agent_and_only_a_successful_tool_has_a_result(
    wire: Wire,
) -> None:
    await scenario.run()
    wire.spans(12)
    ok = wire.span("execute_tool lookup_order")
    failed = wire.span("execute_tool refund")
    for span in (ok, failed):
        assert span.attributes["gen_ai.agent.name"] == "Support"
        assert "gen_ai.tool.call.arguments" in span.attributes
    assert ok.attributes["gen_ai.tool.call.result"] == scenario.SECRET_RESULT
    assert "gen_ai.tool.call.result" not in failed.attributes
    assert failed.status_code == "ERROR"


@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])
async def test_inference_spans_say_their_output_type_and_stream_only_when_streamed(
    wire: Wire, stream: bool
) -> None:
    await scenario.run(stream=stream)
    chats = [s for s in wire.spans(12) if s.attributes.get("gen_ai.operation.name") == "chat"]
    assert len(chats) == 3
    for chat in chats:
        assert chat.attributes["gen_ai.output.type"] == "text"
        assert chat.attributes.get("gen_ai.request.stream") == (True if stream else None)


# --- metrics --------------------------------------------------------------------------------


async def test_each_operation_has_its_duration_histogram_with_the_spec_buckets(
    wire: Wire,
) -> None:
    await scenario.run()
    wire.spans(12)
    operation = wire.points("gen_ai.client.operation.duration")
    assert {p.attributes["gen_ai.operation.name"] for p in operation} == {"chat"}
    assert sum(p.count for p in operation) == 3
    expected = {
        "gen_ai.invoke_agent.duration": (2, [0.1 * 2**i for i in range(13)]),
        "gen_ai.execute_tool.duration": (2, [0.01 * 2**i for i in range(14)]),
        "gen_ai.invoke_workflow.duration": (
            1,
            [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
        ),
    }
    for metric, (count, bounds) in expected.items():
        points = wire.points(metric)
        assert sum(p.count for p in points) == count, metric
        assert all(p.unit == "s" and p.kind == "histogram" for p in points), metric
        assert points[0].explicit_bounds == pytest.approx(bounds), metric
    inference = {
        p.attributes["gen_ai.agent.name"]: p.sum
        for p in wire.points("gen_ai.invoke_agent.inference_calls")
    }
    tools = {
        p.attributes["gen_ai.agent.name"]: p.sum
        for p in wire.points("gen_ai.invoke_agent.tool_calls")
    }
    assert (inference, tools) == ({"Triage": 1, "Support": 2}, {"Triage": 0, "Support": 2})


@pytest.mark.parametrize("n", [6, 40], ids=["few chunks", "a batch"])  # 40: histograms.py's path
async def test_time_per_output_chunk_is_one_point_per_chunk_after_the_first(
    wire: Wire, n: int
) -> None:
    words = " ".join(f"w{i}" for i in range(n))
    agent = Agent(name="Talker", model=ScriptedModel([words]))
    result = Runner.run_streamed(agent, input="talk")
    async for _ in result.stream_events():
        pass
    wire.spans(2)
    [point] = wire.points("gen_ai.client.operation.time_per_output_chunk")
    assert point.count == len(words.split()) - 1
    [first] = wire.points("gen_ai.client.operation.time_to_first_chunk")
    assert first.count == 1


# --- events as log records ------------------------------------------------------------------


async def test_guardrail_verdicts_are_log_records_of_their_span(wire: Wire) -> None:
    await scenario.run()
    guard = next(s for s in wire.spans(12) if s.name.startswith("guardrail "))
    [verdict] = wire.logs("gen_ai.guardrail.result", 1)
    assert (verdict.trace_id, verdict.span_id) == (guard.trace_id, guard.span_id)
    assert verdict.attributes["gen_ai.guardrail.result.value"] == "false"
    assert verdict.attributes["gen_ai.guardrail.source"] == "input"


async def test_model_call_details_are_structured_debug_log_records(wire: Wire) -> None:
    await scenario.run()
    chats = {
        s.span_id: s for s in wire.spans(12) if s.attributes.get("gen_ai.operation.name") == "chat"
    }
    details = wire.logs("gen_ai.client.inference.operation.details", 3)
    assert {d.span_id for d in details} == set(chats)
    for record in details:
        assert record.severity_text == "DEBUG"
        assert record.attributes["gen_ai.operation.name"] == "chat"
        assert record.attributes["gen_ai.provider.name"] == "scripted"
        messages = record.attributes["gen_ai.input.messages"]
        assert isinstance(messages, list) and isinstance(messages[0], dict)  # not JSON text


async def test_a_failed_model_call_is_a_warn_exception_record(wire: Wire) -> None:
    agent = Agent(name="A", model=ScriptedModel([fail(ConnectionError("refused"))]))
    with pytest.raises(ConnectionError):
        await Runner.run(agent, input="hi")
    chat = next(s for s in wire.spans(2) if s.attributes.get("gen_ai.operation.name") == "chat")
    [record] = wire.logs("gen_ai.client.operation.exception", 1)
    assert (record.trace_id, record.span_id) == (chat.trace_id, chat.span_id)
    assert record.severity_text == "WARN"
    assert record.attributes["error.type"] == "ConnectionError"
    assert record.attributes["gen_ai.operation.name"] == "chat"
    assert record.attributes["gen_ai.provider.name"] == "scripted"


# --- the newest profile ---------------------------------------------------------------------


@pytest.fixture
def newest(wire: Wire) -> Wire:
    provider = get_trace_provider()  # the wire's bridge, in the newest profile instead
    provider.set_processors(
        [
            OTelTracingProcessor(
                tracer_provider=wire.tracer_provider,
                meter_provider=wire.meter_provider,
                logger_provider=wire.logger_provider,
                semconv="newest",
            )
        ]
    )
    return wire


async def test_newest_a_run_is_a_conversation_turn_and_a_handoff_a_transfer(newest: Wire) -> None:
    support = Agent(name="Support", model=ScriptedModel(["Done."]))
    triage = Agent(name="Triage", handoffs=[support], model=ScriptedModel([transfer_to("Support")]))
    await Runner.run(triage, input="help")
    spans = newest.spans(6)
    root = _root(spans)
    assert root.name == "handle_conversation_turn Triage"
    assert root.attributes["gen_ai.operation.name"] == "handle_conversation_turn"
    transfer = newest.span("execute_tool transfer_to_support")
    assert transfer.attributes["gen_ai.transfer.mode"] == "pass_control"
    assert transfer.attributes["gen_ai.transfer.target.name"] == "Support"
    assert transfer.attributes["gen_ai.agent.name"] == "Triage"
    assert newest.span("invoke_agent Support").parent_span_id == transfer.span_id
    invocations = {
        (p.attributes["gen_ai.operation.name"], p.attributes.get("gen_ai.agent.name")): p
        for p in newest.points("gen_ai.invocation.duration")
    }
    assert set(invocations) == {
        ("handle_conversation_turn", "Triage"),
        ("invoke_agent", "Triage"),
        ("invoke_agent", "Support"),
    }
    assert (
        invocations[("handle_conversation_turn", "Triage")].attributes[
            "gen_ai.invocation.is_nested"
        ]
        is False
    )
    assert invocations[("invoke_agent", "Support")].attributes["gen_ai.invocation.is_nested"]
    names = {p.metric for p in newest.receiver.points}
    assert "gen_ai.client.inference.duration" in names
    assert {"gen_ai.client.operation.duration", "gen_ai.invoke_agent.duration"}.isdisjoint(names)
    [tokens] = newest.points("gen_ai.client.inference.usage.input_tokens")
    assert tokens.attributes["gen_ai.token.modality"] == "unknown"


async def test_newest_a_guardrail_verdict_is_an_event_without_a_span(newest: Wire) -> None:
    await scenario.run()
    spans = newest.spans(10)
    assert not [s for s in spans if s.name.startswith("guardrail ")]
    [verdict] = newest.logs("gen_ai.guardrail.result", 1)
    triage = next(s for s in spans if s.name == "invoke_agent Triage")
    assert (verdict.trace_id, verdict.span_id) == (triage.trace_id, triage.span_id)


def test_an_unknown_profile_warns_once_and_means_the_default(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_AGENTS_SEMCONV", "latest-please")
    with caplog.at_level("WARNING", logger="otel_agents.otel"):
        assert OTelTracingProcessor().profile.name == "default"
        assert OTelTracingProcessor().profile.name == "default"
    warnings = [r.getMessage() for r in caplog.records if "OTEL_AGENTS_SEMCONV" in r.getMessage()]
    assert len(warnings) == 1 and "default, newest" in warnings[0]


async def test_newest_a_turn_is_measured_even_when_no_span_is_recorded() -> None:
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.trace import NoOpTracerProvider

    from support.otel_memory import metric_points

    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    provider = get_trace_provider()
    state = provider.snapshot()
    processor = OTelTracingProcessor(
        tracer_provider=NoOpTracerProvider(), meter_provider=meters, semconv="newest"
    )
    provider.set_processors([processor])
    provider.set_disabled(False)
    try:
        await Runner.run(Agent(name="Solo", model=ScriptedModel(["Hi."])), input="hello")
    finally:
        provider.restore(state)
    points = {
        (a["gen_ai.operation.name"], a["gen_ai.invocation.is_nested"]): p.count
        for a, p in metric_points(reader, "gen_ai.invocation.duration")
    }
    assert points == {("handle_conversation_turn", False): 1, ("invoke_agent", True): 1}
