"""OTelTracingProcessor through the real tracing API and runner, into in-memory SDK pipelines."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry import trace as trace_api
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from otel_agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    Runner,
    input_guardrail,
)
from otel_agents.models import ScriptedModel
from otel_agents.otel import CaptureMode, OTelTracingProcessor, messages
from otel_agents.otel import mapping as mapping_module
from otel_agents.otel import semconv as sc
from otel_agents.tracing import agent_span, custom_span, function_span, trace

from . import scenario
from ._trees import Pipeline, assert_snapshot

Bridge = Callable[..., OTelTracingProcessor]
SECRETS = [
    scenario.SECRET_PROMPT,
    scenario.SECRET_ARG,
    scenario.SECRET_RESULT,
    scenario.SECRET_INSTRUCTIONS,
    scenario.SECRET_ERROR,
    scenario.SECRET_CUSTOM,
]


def exported_text(pipeline: Pipeline) -> str:
    """Every exported span's and log record's protobuf bytes, decoded leniently (what would go
    on the wire)."""
    spans = pipeline.exporter.get_finished_spans()
    logs = pipeline.log_exporter.get_finished_logs()
    wire = encode_spans(spans).SerializeToString() + encode_logs(logs).SerializeToString()
    return wire.decode("utf-8", "replace")


@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])
async def test_scenario_tree_matches_snapshot(
    bridge: Bridge, pipeline: Pipeline, stream: bool
) -> None:
    bridge()
    assert await scenario.run(stream=stream) == "Your order has shipped."
    assert_snapshot(f"scenario_{'streamed' if stream else 'run'}", pipeline.tree())


async def test_otel_trace_id_is_our_trace_id_and_the_workflow_is_a_true_root(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge()
    with trace("wf") as ours, custom_span("step"):
        pass
    root = pipeline.span("invoke_workflow wf")
    step = pipeline.span("step")
    assert root.parent_id == ""
    our_hex = ours.trace_id.removeprefix("trace_")
    assert {f"{s.context.trace_id:032x}" for s in pipeline.exporter.get_finished_spans()} == {
        our_hex
    }
    assert step.parent_id == root.span_id
    assert root.attributes["otel_agents.trace_id"] == ours.trace_id


async def test_run_inside_an_app_span_joins_its_trace_once(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge()
    app = pipeline.tracer_provider.get_tracer("app")
    with app.start_as_current_span("POST /chat") as request_span:
        await scenario.run()
    nodes = pipeline.nodes()
    app_trace = request_span.get_span_context().trace_id
    assert {s.context.trace_id for s in pipeline.exporter.get_finished_spans()} == {app_trace}
    workflow = pipeline.span("invoke_workflow customer_support")
    assert workflow.parent_id == f"{request_span.get_span_context().span_id:016x}"
    names = Counter(n.name for n in nodes)
    assert names["invoke_workflow customer_support"] == 1
    assert names["invoke_agent Triage"] == names["invoke_agent Support"] == 1
    assert len(nodes) == 13  # the app span + the 12 spans of the scenario, no duplicates


async def test_other_instrumentation_nests_under_the_open_span(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge()
    httpx_like = pipeline.tracer_provider.get_tracer("opentelemetry.instrumentation.httpx")
    with trace("wf"), agent_span("Helper"):
        with function_span("fetch"), httpx_like.start_as_current_span("POST"):
            pass
        with httpx_like.start_as_current_span("GET"):
            pass
    assert pipeline.span("POST").parent_id == pipeline.span("execute_tool fetch").span_id
    assert pipeline.span("GET").parent_id == pipeline.span("invoke_agent Helper").span_id


async def test_nothing_is_left_current_after_a_run(bridge: Bridge) -> None:
    bridge()
    await scenario.run(stream=True)
    assert trace_api.get_current_span() is trace_api.INVALID_SPAN


async def _end_in_child_task(span: Any) -> None:
    span.finish()


@pytest.mark.parametrize("where", ["task", "thread"])
async def test_span_ending_in_another_task_or_thread_detaches_cleanly(
    bridge: Bridge, pipeline: Pipeline, caplog: pytest.LogCaptureFixture, where: str
) -> None:
    bridge()
    with caplog.at_level(logging.DEBUG):
        with trace("wf"):
            span = custom_span("moved")
            span.start(mark_as_current=True)
            if where == "task":
                await asyncio.create_task(_end_in_child_task(span))
            else:
                await asyncio.to_thread(span.finish)
            with custom_span("after"):
                pass
        assert trace_api.get_current_span() is trace_api.INVALID_SPAN
    assert not [r for r in caplog.records if "Failed to detach" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    root = pipeline.span("invoke_workflow wf")
    assert pipeline.span("moved").parent_id == root.span_id
    assert pipeline.span("after").parent_id == root.span_id


async def test_spans_ending_out_of_order_leave_the_context_clean(
    bridge: Bridge, caplog: pytest.LogCaptureFixture
) -> None:
    bridge()
    with caplog.at_level(logging.DEBUG), trace("wf"):
        outer = custom_span("outer")
        outer.start(mark_as_current=True)
        inner = custom_span("inner")
        inner.start(mark_as_current=True)
        outer.finish()
        assert trace_api.get_current_span().name == "inner"  # type: ignore[attr-defined]
        inner.finish()
        assert trace_api.get_current_span().name == "invoke_workflow wf"  # type: ignore[attr-defined]
    assert trace_api.get_current_span() is trace_api.INVALID_SPAN
    assert not [r for r in caplog.records if "Failed to detach" in r.getMessage()]


async def test_failing_tool_records_the_error_without_its_message_by_default(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge()
    await scenario.run()
    refund = pipeline.span("execute_tool refund")
    assert (refund.status, refund.status_message) == ("ERROR", "ValueError")
    assert refund.attributes["error.type"] == "ValueError"
    assert refund.events == [("exception", {"exception.type": "ValueError"})]


async def test_error_message_is_exported_with_content_capture_on(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge(capture_content=True)
    await scenario.run()
    refund = pipeline.span("execute_tool refund")
    assert refund.status_message == scenario.SECRET_ERROR
    assert refund.events[0][1]["exception.message"] == scenario.SECRET_ERROR


async def test_cancellation_leaves_the_status_unset(bridge: Bridge, pipeline: Pipeline) -> None:
    bridge()
    started = asyncio.Event()

    async def work() -> None:
        with custom_span("slow"):
            started.set()
            await asyncio.Event().wait()

    with trace("wf"):
        task = asyncio.create_task(work())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    slow = pipeline.span("slow")
    assert slow.status == "UNSET" and "error.type" not in slow.attributes and not slow.events


CONTENT_KEYS = {
    "gen_ai.system_instructions",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "otel_agents.custom.note",
}


@pytest.mark.parametrize("mode", list(CaptureMode), ids=lambda m: m.value)
async def test_content_capture_modes(
    bridge: Bridge, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, mode: CaptureMode
) -> None:
    monkeypatch.setenv(sc.ENV_CAPTURE_MESSAGE_CONTENT, mode.value.lower())
    assert bridge().capture_mode is mode
    await scenario.run()
    nodes = pipeline.nodes()
    logs = pipeline.logs()
    on_spans = {k for n in nodes for k in n.attributes if k in CONTENT_KEYS}
    on_events = {k for row in logs for k in row.attributes if k in CONTENT_KEYS}
    assert on_spans == (CONTENT_KEYS if mode.on_span else set())
    assert on_events == (CONTENT_KEYS if mode.on_event else set())
    assert not any(name != "exception" for n in nodes for name, _ in n.events)  # opt-in only
    text = exported_text(pipeline)
    for secret in SECRETS:
        assert (secret in text) is mode.enabled, secret
    details = pipeline.logs("gen_ai.client.inference.operation.details")
    assert len(details) == (3 if mode.on_event else 0)  # one per model call
    if mode.on_event:
        chat = [n for n in nodes if n.name == "chat support-model"][-1]
        last = details[-1]
        assert (last.span_id, last.severity) == (chat.span_id, "DEBUG")
        assert last.attributes["gen_ai.operation.name"] == "chat"
        assert last.attributes["gen_ai.provider.name"] == chat.attributes["gen_ai.provider.name"]
        first = last.attributes["gen_ai.input.messages"][0]  # structured, not a JSON string
        assert first["role"] == "user"
        assert first["parts"][0] == {"type": "text", "content": scenario.SECRET_PROMPT}


async def test_redact_hook_sees_every_value_and_can_drop_or_rewrite(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    seen: set[str] = set()

    def redact(key: str, value: Any) -> Any:
        seen.add(key)
        if key == "gen_ai.conversation.id":
            return None
        if isinstance(value, str) and "SECRET" in value:
            return "[redacted]"
        return value

    bridge(capture_content=True, redact=redact)
    await scenario.run()
    nodes = pipeline.nodes()
    assert not any("gen_ai.conversation.id" in n.attributes for n in nodes)
    assert "SECRET" not in exported_text(pipeline)
    assert pipeline.span("execute_tool refund").status_message == "[redacted]"
    assert {"gen_ai.operation.name", "gen_ai.input.messages", "exception.type"} <= seen


async def test_a_failing_redact_hook_drops_values_and_never_breaks_the_run(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    def redact(key: str, value: Any) -> Any:
        raise RuntimeError("broken hook")

    bridge(capture_content=True, redact=redact)
    assert await scenario.run() == "Your order has shipped."
    assert all(n.attributes == {} for n in pipeline.nodes())


@pytest.mark.parametrize(
    ("limits", "bound"),
    [
        pytest.param(SpanLimits(max_span_attribute_length=300), 300, id="provider-limit"),
        pytest.param(None, 32_768, id="default-bound"),
    ],
)
async def test_content_is_bounded(
    bridge: Bridge, pipeline: Pipeline, limits: SpanLimits | None, bound: int
) -> None:
    provider = TracerProvider(span_limits=limits) if limits else TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(pipeline.exporter))
    bridge(tracer_provider=provider, capture_content=True)
    huge = "z" * 100_000
    with trace("wf"):
        span = function_span("t", input=json.dumps({"q": huge}))
        with span:
            span.span_data.output = huge
    tool = pipeline.span("execute_tool t")
    for key in ("gen_ai.tool.call.arguments", "gen_ai.tool.call.result"):
        assert 0 < len(tool.attributes[key]) <= bound


async def test_surrogates_and_odd_text_still_encode_for_export(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge(capture_content=True)
    data = {"bad": "x\udfff", "list": ["\ud800"]}
    with trace("wf \udc80"), agent_span("Agent \ud800"), custom_span("c", data=data):
        pass
    encode_spans(pipeline.exporter.get_finished_spans()).SerializeToString()
    assert pipeline.span("invoke_agent Agent \ufffd").attributes["gen_ai.agent.name"] == (
        "Agent \ufffd"
    )


async def test_sampled_out_spans_serialise_no_content_but_still_count(
    bridge: Bridge, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: Any) -> Any:
        raise AssertionError("content built for a span that is not recorded")

    monkeypatch.setattr(messages, "input_messages", forbidden)
    monkeypatch.setattr(messages, "output_messages", forbidden)
    provider = TracerProvider(sampler=ALWAYS_OFF)
    bridge(tracer_provider=provider, capture_content=True)
    assert await scenario.run() == "Your order has shipped."
    assert pipeline.exporter.get_finished_spans() == ()
    tool_calls = {a["gen_ai.tool.name"]: v for a, v in pipeline.points("otel_agents.tool.calls")}
    assert tool_calls == {"lookup_order": 1, "refund": 1}


async def test_open_spans_are_bounded_and_drops_counted(
    bridge: Bridge, pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    bridge(max_open_spans=2)
    with caplog.at_level(logging.WARNING, logger="otel_agents.otel"), trace("wf"):
        spans = [custom_span(f"s{i}") for i in range(4)]
        for span in spans:
            span.start(mark_as_current=True)
        for span in reversed(spans):
            span.finish(reset_current=True)
    assert pipeline.points("otel_agents.telemetry.dropped") == [
        ({"otel_agents.signal": "spans"}, 2)
    ]
    assert len([r for r in caplog.records if "spans open at once" in r.getMessage()]) == 1
    # Traces are bounded on their own (by the same bound): the workflow span survives.
    assert {n.name for n in pipeline.nodes()} == {"invoke_workflow wf", "s2", "s3"}
    assert trace_api.get_current_span() is trace_api.INVALID_SPAN


async def test_internal_errors_never_reach_the_run(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError(scenario.SECRET_PROMPT)

    monkeypatch.delenv("OTEL_AGENTS_STRICT")
    monkeypatch.setattr(mapping_module, "span_end", broken)
    bridge()
    with caplog.at_level(logging.WARNING, logger="otel_agents.otel"):
        assert await scenario.run() == "Your order has shipped."
    logged = [r.getMessage() for r in caplog.records if "internal error" in r.getMessage()]
    assert len(logged) == 1
    assert "KeyError" in logged[0] and scenario.SECRET_PROMPT not in logged[0]
    assert trace_api.get_current_span() is trace_api.INVALID_SPAN


def test_internal_errors_raise_in_strict_mode(pipeline: Pipeline) -> None:
    processor = OTelTracingProcessor(pipeline.tracer_provider, pipeline.meter_provider)
    with pytest.raises(AttributeError):
        processor.on_span_start(object())  # type: ignore[arg-type]


def _histogram(pipeline: Pipeline, metric: str) -> dict[str, Any]:
    return {
        a.get("gen_ai.operation.name", "") + "/" + str(a): p for a, p in pipeline.points(metric)
    }


async def test_metrics_are_recorded_once_per_span_with_bounded_attributes(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge()
    await scenario.run()
    counts: dict[str, int] = {}
    for metric, buckets in (
        ("gen_ai.client.operation.duration", sc.SECONDS_BUCKETS),
        ("gen_ai.invoke_agent.duration", sc.AGENT_SECONDS_BUCKETS),
        ("gen_ai.execute_tool.duration", sc.SECONDS_BUCKETS),
        ("gen_ai.invoke_workflow.duration", sc.WORKFLOW_SECONDS_BUCKETS),
    ):
        counts[metric] = 0
        for attrs, point in pipeline.points(metric):
            counts[metric] += point.count
            assert list(point.explicit_bounds) == list(buckets), metric
            assert not any("id" in key.split(".")[-1] for key in attrs), attrs
    # Model calls only on the client operation duration; each operation on its own histogram.
    assert counts == {
        "gen_ai.client.operation.duration": 3,
        "gen_ai.invoke_agent.duration": 2,
        "gen_ai.execute_tool.duration": 2,
        "gen_ai.invoke_workflow.duration": 1,
    }
    chat = {k for a, _ in pipeline.points("gen_ai.client.operation.duration") for k in a}
    assert chat == {
        "gen_ai.operation.name",
        "gen_ai.provider.name",
        "gen_ai.request.model",
        "gen_ai.response.model",
    }
    failed = [a for a, _ in pipeline.points("gen_ai.execute_tool.duration") if "error.type" in a]
    assert failed == [
        {
            "gen_ai.tool.name": "refund",
            "gen_ai.tool.type": "function",
            "gen_ai.agent.name": "Support",
            "error.type": "ValueError",
        }
    ]
    calls = {
        a["gen_ai.agent.name"]: (p.count, p.sum)
        for a, p in pipeline.points("gen_ai.invoke_agent.inference_calls")
    }
    assert calls == {"Triage": (1, 1), "Support": (1, 2)}
    [(_, point)] = pipeline.points("gen_ai.invoke_agent.inference_calls")[:1]
    assert list(point.explicit_bounds) == [1, 2, 4, 8, 16, 32, 64, 128]
    tool_calls = {
        a["gen_ai.agent.name"]: (p.count, p.sum)
        for a, p in pipeline.points("gen_ai.invoke_agent.tool_calls")
    }
    assert tool_calls == {"Triage": (1, 0), "Support": (1, 2)}
    tokens = {
        (a["gen_ai.request.model"], a["gen_ai.token.type"]): (p.count, p.sum)
        for a, p in pipeline.points("gen_ai.client.token.usage")
    }
    assert tokens[("support-model", "input")][0] == 2
    assert tokens[("support-model", "output")] == (2, 4 + 6)
    point = pipeline.points("gen_ai.client.token.usage")[0][1]
    assert list(point.explicit_bounds) == list(sc.TOKEN_BUCKETS)
    assert pipeline.points("otel_agents.runs") == [
        (
            {
                "otel_agents.run.outcome": "success",
                "gen_ai.agent.name": "Support",
                "gen_ai.workflow.name": "customer_support",
            },
            1,
        )
    ]
    assert sorted(pipeline.points("otel_agents.tool.calls"), key=str) == sorted(
        [
            (
                {
                    "gen_ai.tool.name": "lookup_order",
                    "otel_agents.tool.outcome": "success",
                    "gen_ai.agent.name": "Support",
                },
                1,
            ),
            (
                {
                    "gen_ai.tool.name": "refund",
                    "otel_agents.tool.outcome": "error",
                    "gen_ai.agent.name": "Support",
                },
                1,
            ),
        ],
        key=str,
    )
    assert pipeline.points("otel_agents.handoffs") == [
        ({"otel_agents.handoff.from_agent": "Triage", "otel_agents.handoff.to_agent": "Support"}, 1)
    ]
    assert pipeline.points("gen_ai.client.operation.time_to_first_chunk") == []


async def test_stream_event_counter_matches_what_the_consumer_saw(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge()
    seen: Counter[tuple[str, str]] = Counter()
    with trace("wf"):
        result = Runner.run_streamed(scenario.agents(), input="hi")
        async for event in result.stream_events():
            if event.type == "raw_response_event":
                name = event.data.type
            elif event.type == "run_item_stream_event":
                name = event.name
            else:
                name = ""
            seen[(event.type, name)] += 1
    counted: Counter[tuple[str, str]] = Counter()
    for attrs, value in pipeline.points("otel_agents.stream.events"):
        counted[
            (attrs["otel_agents.stream.event.type"], attrs["otel_agents.stream.event.name"])
        ] += value
    assert counted == seen
    first_chunk = pipeline.points("gen_ai.client.operation.time_to_first_chunk")
    assert sum(p.count for _, p in first_chunk) == 3  # one per streamed model call


async def test_guardrail_trip_is_counted_and_ends_the_run(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    @input_guardrail(name="blocker")
    def blocker(ctx: Any, agent: Any, data: Any) -> GuardrailFunctionOutput:
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered=True)

    bridge()
    agent = Agent(name="Guarded", input_guardrails=[blocker], model=ScriptedModel(["never"]))
    with pytest.raises(InputGuardrailTripwireTriggered):
        await Runner.run(agent, input="hi")
    assert pipeline.points("otel_agents.guardrail.trips") == [
        ({"otel_agents.guardrail.name": "blocker", "otel_agents.guardrail.kind": "input"}, 1)
    ]
    runs = pipeline.points("otel_agents.runs")
    assert [a["otel_agents.run.outcome"] for a, _ in runs] == ["guardrail_tripped"]
    guard = pipeline.span("guardrail blocker")
    assert guard.attributes["gen_ai.guardrail.result.value"] == "true"
    [verdict] = pipeline.logs("gen_ai.guardrail.result")
    assert (verdict.span_id, verdict.trace_id) == (guard.span_id, guard_trace(pipeline, guard))
    assert verdict.attributes["gen_ai.guardrail.result.value"] == "true"
    # One agent, no trace() around it: a standalone invoke_agent root, marked ERROR.
    root = pipeline.span("invoke_agent Guarded")
    assert root.parent_id == "" and root.status == "ERROR"
    assert root.attributes["error.type"].endswith("InputGuardrailTripwireTriggered")
    assert not [n for n in pipeline.nodes() if n.name.startswith("invoke_workflow")]


def guard_trace(pipeline: Pipeline, node: Any) -> str:
    [span] = [s for s in pipeline.exporter.get_finished_spans() if s.name == node.name]
    return f"{span.context.trace_id:032x}"


def test_threads_running_sync_runs_do_not_cross_talk(bridge: Bridge, pipeline: Pipeline) -> None:
    bridge()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(3):
                Runner.run_sync(scenario.agents(), input="hi")
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    spans = pipeline.exporter.get_finished_spans()
    by_trace = Counter(s.context.trace_id for s in spans)
    assert len(by_trace) == 12 and set(by_trace.values()) == {12}
    ids = {s.context.span_id: s for s in spans}
    for s in spans:
        if s.parent is not None:
            assert ids[s.parent.span_id].context.trace_id == s.context.trace_id
