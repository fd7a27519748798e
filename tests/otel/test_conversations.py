"""Conversations (issue 16, item 3), checked on what crosses the wire (OTLP/HTTP to the local
receiver): every span and every event (log record) of every run in a conversation carries the
conversation's id (the trace's `group_id`) and the user's id (trace metadata "user.id"); no metric
point carries either; and no id is ever made up when the app gives none."""

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

from otel_agents import Agent, RunConfig, Runner, trace
from otel_agents.models import ScriptedModel
from otel_agents.otel import OTelTracingProcessor
from otel_agents.tracing import get_trace_provider
from support.otlp_receiver import OTLPReceiver

from . import scenario

CONVERSATION = "conv_7f3a"
USER = "user-42"
IDS = {"gen_ai.conversation.id": CONVERSATION, "user.id": USER}


@dataclass
class Wire:
    receiver: OTLPReceiver
    providers: tuple[TracerProvider, MeterProvider, LoggerProvider]

    def flush(self) -> None:
        """Spans and log records are exported as they end (simple processors); metrics now."""
        for provider in self.providers:
            provider.force_flush()


@pytest.fixture
def wire(otlp_receiver: OTLPReceiver, request: pytest.FixtureRequest) -> Iterator[Wire]:
    """The bridge in the profile `request.param` (default: "default"), exporting all three
    signals over OTLP/HTTP to the receiver."""
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
    mp = pytest.MonkeyPatch()
    mp.setenv("OTEL_AGENTS_STRICT", "1")
    mp.setenv("OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT", "true")  # a details event per model call
    provider = get_trace_provider()
    state = provider.snapshot()
    provider.set_processors(
        [
            OTelTracingProcessor(
                tracer_provider=tracer_provider,
                meter_provider=meter_provider,
                logger_provider=logger_provider,
                semconv=getattr(request, "param", "default"),
            )
        ]
    )
    provider.set_disabled(False)
    yield Wire(otlp_receiver, (tracer_provider, meter_provider, logger_provider))
    mp.undo()
    provider.restore(state)
    for each in (tracer_provider, meter_provider, logger_provider):
        each.shutdown()


async def _conversation() -> None:
    """Three runs of one conversation, each its own trace: the id given by `RunConfig` (a plain
    run and a streamed one, both handing off and calling tools) and by the app's `trace()`."""
    config = RunConfig(group_id=CONVERSATION, trace_metadata={"user.id": USER})
    await Runner.run(scenario.agents(), input="where is my order?", run_config=config)
    streamed = Runner.run_streamed(scenario.agents(), input="and now?", run_config=config)
    async for _ in streamed.stream_events():
        pass
    with trace("chat", group_id=CONVERSATION, metadata={"user.id": USER}):
        await Runner.run(Agent(name="Helper", model=ScriptedModel(["Bye."])), input="thanks")


@pytest.mark.parametrize("wire", ["default", "newest"], indirect=True)
async def test_every_span_and_event_of_every_run_carries_the_conversation_and_user_ids(
    wire: Wire,
) -> None:
    await _conversation()
    wire.flush()
    spans = wire.receiver.spans
    assert len({s.trace_id for s in spans}) == 3, "one trace per run"
    missing = [s.name for s in spans if {k: s.attributes.get(k) for k in IDS} != IDS]
    assert spans and not missing, missing
    logs = wire.receiver.wait_for_logs(
        lambda rows: (
            {"gen_ai.guardrail.result", "gen_ai.client.inference.operation.details"}
            <= {r.event_name for r in rows}
        )
    )
    missing = [r.event_name for r in logs if {k: r.attributes.get(k) for k in IDS} != IDS]
    assert not missing, missing


@pytest.mark.parametrize("wire", ["default", "newest"], indirect=True)
async def test_no_metric_point_carries_a_conversation_or_user_id(wire: Wire) -> None:
    """Cardinality: one series per conversation or user would grow without bound. Checked by
    key and by value, on every point of every metric the runs recorded."""
    await _conversation()
    wire.flush()
    points = wire.receiver.wait_for_points(lambda ps: len(ps) > 0)
    leaked = [
        (p.metric, k)
        for p in points
        for k, v in p.attributes.items()
        if k in IDS or v in (CONVERSATION, USER)
    ]
    assert not leaked, leaked
    names = {p.metric for p in points}
    assert "otel_agents.runs" in names and len([n for n in names if n.startswith("gen_ai.")]) > 3


async def test_without_a_group_id_or_user_metadata_no_id_is_made_up(wire: Wire) -> None:
    await Runner.run(scenario.agents(), input="where is my order?")
    wire.flush()
    rows: list[Any] = [*wire.receiver.spans, *wire.receiver.logs]
    assert wire.receiver.spans and wire.receiver.logs
    assert not [r for r in rows if set(IDS) & set(r.attributes)]


async def test_a_user_id_that_is_not_text_is_not_exported_and_said_once(
    wire: Wire, caplog: pytest.LogCaptureFixture
) -> None:
    config = RunConfig(group_id=CONVERSATION, trace_metadata={"user.id": {"name": "Ann"}})
    agent = Agent(name="Helper", model=ScriptedModel(["Hi.", "Hi."]))
    with caplog.at_level("WARNING", logger="otel_agents.otel"):
        await Runner.run(agent, input="hello", run_config=config)
        await Runner.run(agent, input="hello", run_config=config)
    wire.flush()
    spans = wire.receiver.spans
    assert spans and all(s.attributes.get("gen_ai.conversation.id") == CONVERSATION for s in spans)
    assert not [s for s in spans if "user.id" in s.attributes]
    warnings = [r.getMessage() for r in caplog.records if "'user.id'" in r.getMessage()]
    assert len(warnings) == 1 and "got dict" in warnings[0]
    assert "Ann" not in warnings[0]


@pytest.mark.parametrize("wire", ["default", "newest"], indirect=True)
async def test_a_conversations_cost_is_its_model_calls_cost_counted_once(wire: Wire) -> None:
    """What the Conversation dashboard sums two ways: each run's root total, and each model
    call's own cost, over the runs of one conversation (the scripted model's declared price)."""
    await _conversation()
    wire.flush()
    spans = wire.receiver.spans
    calls = [s for s in spans if s.attributes.get("gen_ai.operation.name") == "chat"]
    assert calls and all("gen_ai.usage.cost.amount" in s.attributes for s in calls)
    by_call = sum(s.attributes["gen_ai.usage.cost.amount"] for s in calls)
    ids = {s.span_id for s in spans}
    roots = [s for s in spans if s.parent_span_id not in ids]
    assert len(roots) == 3
    by_run = sum(s.attributes["otel_agents.cost.total"] for s in roots)
    assert by_call > 0 and by_run == pytest.approx(by_call, rel=1e-9)
