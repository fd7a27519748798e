"""Each known defect of today's OpenAI Agents SDK bridges, checked on real SDK runs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import agents as sdk
import pytest
from opentelemetry import trace as trace_api

from otel._trees import Pipeline

from .conftest import Bridge
from .scenarios import SECRETS, Options, run_sdk


def _spans(pipeline: Pipeline) -> list[Any]:
    return list(pipeline.exporter.get_finished_spans())


@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])
async def test_task_and_turn_children_are_never_orphaned(
    stream: bool, sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    await run_sdk(Options(stream=stream, turn_spans=True))
    spans = _spans(pipeline)
    ids = {s.context.span_id for s in spans}
    assert {s.context.trace_id for s in spans} == {spans[0].context.trace_id}
    roots = [s for s in spans if s.parent is None]
    assert [r.name for r in roots] == ["invoke_workflow customer_support"]
    assert all(s.parent.span_id in ids for s in spans if s.parent is not None)
    assert not [s for s in spans if s.name in ("task", "turn")]
    # What ran inside a turn sits under its agent; the agents under the workflow.
    for name, parent in [
        ("invoke_agent Triage", "invoke_workflow customer_support"),
        ("guardrail no_profanity", "invoke_agent Triage"),
        ("handoff Triage -> Support", "invoke_agent Triage"),
        ("execute_tool refund", "invoke_agent Support"),
        ("db_lookup", "execute_tool lookup_order"),
    ]:
        assert pipeline.span(name).parent_id == pipeline.span(parent).span_id


async def test_handoff_target_is_read_when_the_handoff_ends(
    sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    await run_sdk()
    handoff = pipeline.span("handoff Triage -> Support")
    assert handoff.attributes["otel_agents.handoff.from_agent"] == "Triage"
    assert handoff.attributes["otel_agents.handoff.to_agent"] == "Support"
    assert pipeline.points("otel_agents.handoffs") == [
        ({"otel_agents.handoff.from_agent": "Triage", "otel_agents.handoff.to_agent": "Support"}, 1)
    ]


@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])
async def test_guardrail_trip_is_recorded(
    stream: bool, sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    await run_sdk(Options(stream=stream, trip=True))
    guardrail = pipeline.span("guardrail no_profanity")
    assert guardrail.attributes["otel_agents.guardrail.triggered"] is True
    assert guardrail.attributes["gen_ai.guardrail.result.value"] == "true"
    assert guardrail.attributes["gen_ai.guardrail.source"] == "input"
    [verdict] = pipeline.logs("gen_ai.guardrail.result")
    assert verdict.span_id == guardrail.span_id
    assert verdict.attributes == {
        "gen_ai.conversation.id": "conv_123",
        "gen_ai.guardrail.component.name": "no_profanity",
        "gen_ai.guardrail.source": "input",
        "gen_ai.guardrail.result.type": "tripwire_triggered",
        "gen_ai.guardrail.result.value": "true",
    }
    assert pipeline.span("invoke_agent Triage").attributes["otel_agents.run.outcome"] == (
        "guardrail_tripped"
    )
    trips = pipeline.points("otel_agents.guardrail.trips")
    assert trips == [
        ({"otel_agents.guardrail.name": "no_profanity", "otel_agents.guardrail.kind": "input"}, 1)
    ]


async def test_output_guardrails_are_told_from_input_guardrails(
    sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    await run_sdk(Options(output_guardrail=True))
    assert pipeline.span("guardrail polite").attributes["gen_ai.guardrail.source"] == "output"
    assert pipeline.span("guardrail no_profanity").attributes["gen_ai.guardrail.source"] == "input"


@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])
async def test_tool_spans_carry_the_models_call_ids(
    stream: bool, sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    await run_sdk(Options(stream=stream))
    assert pipeline.span("execute_tool lookup_order").attributes["gen_ai.tool.call.id"] == (
        "call_lookup"
    )
    assert pipeline.span("execute_tool refund").attributes["gen_ai.tool.call.id"] == "call_refund"


async def test_parallel_calls_of_one_tool_get_their_own_call_ids(
    sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    from otel_agents.models import ScriptedModel, call_tool, say, turn

    from .sdk_model import SdkScriptedModel

    seen: list[str] = []

    @sdk.function_tool
    def echo(text: str) -> str:
        """Echo.

        Args:
            text: Text.
        """
        seen.append(text)
        return text

    script = ScriptedModel(
        [
            turn(*(call_tool("echo", {"text": f"t{i}"}, call_id=f"call_{i}") for i in range(3))),
            say("ok"),
        ]
    )
    sdk_bridge()
    agent: sdk.Agent[Any] = sdk.Agent(name="A", tools=[echo], model=SdkScriptedModel(script))
    await sdk.Runner.run(agent, "go")
    spans = sorted(
        (s for s in _spans(pipeline) if s.name == "execute_tool echo"), key=lambda s: s.start_time
    )
    assert [s.attributes["gen_ai.tool.call.id"] for s in spans] == ["call_0", "call_1", "call_2"]


async def test_agent_spans_carry_the_model_and_their_model_calls_the_provider(
    sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    await run_sdk()
    for agent, model in [("Triage", "triage-model"), ("Support", "support-model")]:
        attributes = pipeline.span(f"invoke_agent {agent}").attributes
        # The spec defines the provider on model calls, not on in-process agent spans.
        assert "gen_ai.provider.name" not in attributes
        assert attributes["gen_ai.request.model"] == model
        chats = [n for n in pipeline.nodes() if n.name == f"chat {model}"]
        assert chats and {n.attributes["gen_ai.provider.name"] for n in chats} == {"openai"}


@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])
async def test_no_prompt_leaves_without_the_opt_in_though_the_sdk_hands_it_over(
    stream: bool, sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge()
    await run_sdk(Options(stream=stream, sensitive=True))
    exported = repr(
        [(s.name, dict(s.attributes or {}), s.events, s.status) for s in _spans(pipeline)]
    )
    assert [secret for secret in SECRETS if secret in exported] == []


async def test_content_is_exported_with_the_opt_in(sdk_bridge: Bridge, pipeline: Pipeline) -> None:
    sdk_bridge(capture_content="SPAN_ONLY")
    await run_sdk()
    chat = next(s for s in _spans(pipeline) if s.name == "chat support-model")
    assert "SECRET-PROMPT" in chat.attributes["gen_ai.input.messages"]
    assert "lookup_order" in chat.attributes["gen_ai.output.messages"]
    tool = pipeline.span("execute_tool lookup_order")
    assert "ORDER-SECRET-ARG-42" in tool.attributes["gen_ai.tool.call.arguments"]
    assert tool.attributes["gen_ai.tool.call.result"] == "shipped-SECRET-RESULT"


async def _finish_in_other_task(span: Any) -> None:
    span.finish()


async def test_no_failed_to_detach_when_spans_end_in_another_task(
    sdk_bridge: Bridge, pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    sdk_bridge()
    caplog.set_level(logging.DEBUG)
    with sdk.trace("wf"):
        span = sdk.custom_span("moved")
        span.start(mark_as_current=True)
        await asyncio.create_task(_finish_in_other_task(span))
        with sdk.custom_span("after"):
            pass
    await run_sdk(Options(stream=True))  # the SDK's streamed runs end spans in their own task
    assert "Failed to detach context" not in caplog.text
    assert trace_api.get_current_span() is trace_api.INVALID_SPAN
    root = pipeline.span("invoke_workflow wf")
    assert pipeline.span("moved").parent_id == root.span_id
    assert pipeline.span("after").parent_id == root.span_id


@pytest.mark.parametrize("sensitive", [True, False], ids=["sdk-default", "no-sensitive-data"])
async def test_streamed_model_calls_have_model_usage_and_output(
    sensitive: bool, sdk_bridge: Bridge, pipeline: Pipeline
) -> None:
    sdk_bridge(capture_content=True)
    await run_sdk(Options(stream=True, sensitive=sensitive))
    chats = [s for s in _spans(pipeline) if s.name.startswith("chat")]
    assert len(chats) == 3
    for chat in chats:
        attributes = chat.attributes
        assert attributes["gen_ai.request.stream"] is True
        assert attributes["gen_ai.usage.input_tokens"] > 0
        assert attributes["gen_ai.usage.output_tokens"] > 0
        if sensitive:
            assert attributes["gen_ai.request.model"] == attributes["gen_ai.response.model"]
            assert chat.name == f"chat {attributes['gen_ai.request.model']}"
            assert attributes["gen_ai.response.id"].startswith("resp_scripted_")
            assert "gen_ai.output.messages" in attributes
    usage = pipeline.points("gen_ai.client.token.usage")
    assert {p[0]["gen_ai.token.type"] for p in usage} == {"input", "output"}
