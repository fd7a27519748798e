"""A run's `handle_conversation_turn` (newest profile) spans the whole outer run when an agent
used as a tool runs its own nested run inside it: on otel-agents' runner and on the upstream
SDK's (through the bridge), with or without the app's `trace()`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import agents as sdk
import pytest
from opentelemetry.sdk.trace import ReadableSpan

import otel_agents as ours
from otel._trees import Pipeline
from otel_agents.models import ScriptedModel, call_tool, say, transfer_to
from otel_agents.otel import semconv as sc
from otel_agents.pricing import Price, add_price, clear_prices

from .conftest import Bridge
from .sdk_model import SdkScriptedModel


class OpenAIScripted(ScriptedModel):
    provider_name = "openai"


@pytest.fixture(autouse=True)
def priced_models() -> Iterator[None]:
    clear_prices()
    add_price("triage-model", Price(input_mtok=1, output_mtok=2))
    add_price("support-model", Price(input_mtok=3, output_mtok=6))
    add_price("helper-model", Price(input_mtok=5, output_mtok=10))
    yield
    clear_prices()


def _scripts() -> tuple[ScriptedModel, ScriptedModel, ScriptedModel]:
    """Triage hands off to Support, which asks Helper (a nested run) and then answers: the
    outer run's last model call comes after the nested run's end."""
    triage = OpenAIScripted([transfer_to("Support")], model_name="triage-model")
    support = OpenAIScripted(
        [
            call_tool("ask_helper", {"input": "how?"}, call_id="call_ask"),
            say("Done: like this.", input_tokens=50, output_tokens=9),
        ],
        model_name="support-model",
    )
    helper = OpenAIScripted(
        [say("Like this.", input_tokens=30, output_tokens=7)], model_name="helper-model"
    )
    return triage, support, helper


async def _run_ours(app_trace: bool, stream: bool) -> None:
    triage_model, support_model, helper_model = _scripts()
    helper = ours.Agent(name="Helper", model=helper_model)
    support = ours.Agent(
        name="Support", model=support_model, tools=[helper.as_tool("ask_helper", "Asks.")]
    )
    triage = ours.Agent(name="Triage", model=triage_model, handoffs=[support])
    with ours.trace("support_flow") if app_trace else contextlib.nullcontext():
        if stream:
            result = ours.Runner.run_streamed(triage, "help")
            async for _ in result.stream_events():
                pass
        else:
            await ours.Runner.run(triage, "help")


async def _run_sdk(app_trace: bool, stream: bool) -> None:
    triage_model, support_model, helper_model = _scripts()
    helper: sdk.Agent[Any] = sdk.Agent(name="Helper", model=SdkScriptedModel(helper_model))
    support: sdk.Agent[Any] = sdk.Agent(
        name="Support",
        model=SdkScriptedModel(support_model),
        tools=[helper.as_tool(tool_name="ask_helper", tool_description="Asks.")],
    )
    triage: sdk.Agent[Any] = sdk.Agent(
        name="Triage", model=SdkScriptedModel(triage_model), handoffs=[support]
    )
    with sdk.trace("support_flow") if app_trace else contextlib.nullcontext():
        if stream:
            result = sdk.Runner.run_streamed(triage, "help")
            async for _ in result.stream_events():
                pass
        else:
            await sdk.Runner.run(triage, "help")


def _operation(span: ReadableSpan) -> Any:
    return (span.attributes or {}).get(sc.GEN_AI_OPERATION_NAME)


@pytest.mark.parametrize(
    ("runner", "app_trace", "stream"),
    [("ours", True, False), ("ours", False, True), ("sdk", True, True), ("sdk", False, False)],
)
async def test_the_turn_spans_the_outer_run_around_an_agent_used_as_a_tool(
    runner: str,
    app_trace: bool,
    stream: bool,
    sdk_bridge: Bridge,
    our_bridge: Bridge,
    pipeline: Pipeline,
    our_pipeline: Pipeline,
) -> None:
    if runner == "ours":
        our_bridge(semconv="newest")
        await _run_ours(app_trace, stream)
        exported = our_pipeline
    else:
        sdk_bridge(semconv="newest")
        await _run_sdk(app_trace, stream)
        exported = pipeline

    spans = exported.exporter.get_finished_spans()
    (turn,) = [s for s in spans if _operation(s) == sc.OP_HANDLE_CONVERSATION_TURN]
    calls = [s for s in spans if _operation(s) == sc.OP_CHAT]
    assert len(calls) == 4  # Triage, Support, Helper (nested), Support again
    assert turn.start_time is not None and turn.end_time is not None
    assert turn.end_time >= max(c.end_time or 0 for c in calls)

    by_id = {s.context.span_id: s for s in spans}
    turn_id = turn.context.span_id

    def under_turn(span: ReadableSpan) -> bool:
        parent = span.parent
        while parent is not None:
            if parent.span_id == turn_id:
                return True
            above = by_id.get(parent.span_id)
            parent = above.parent if above is not None else None
        return False

    run_spans = [s for s in spans if s is not turn and _operation(s) != sc.OP_INVOKE_WORKFLOW]
    assert {(s.attributes or {}).get(sc.GEN_AI_AGENT_NAME) for s in run_spans} >= {
        "Triage",
        "Support",
        "Helper",
    }
    for span in run_spans:
        assert under_turn(span), span.name
        assert turn.start_time <= (span.start_time or 0), span.name
        assert (span.end_time or 0) <= turn.end_time, span.name

    costs = [c.attributes[sc.GEN_AI_USAGE_COST_AMOUNT] for c in calls if c.attributes]
    assert len(costs) == 4 and all(isinstance(c, float) and c > 0 for c in costs)
    assert (turn.attributes or {})[sc.OA_COST_TOTAL] == pytest.approx(sum(costs), rel=1e-12)
    if app_trace:
        (workflow,) = [s for s in spans if _operation(s) == sc.OP_INVOKE_WORKFLOW]
        assert turn.parent is not None and turn.parent.span_id == workflow.context.span_id
        assert (workflow.attributes or {})[sc.OA_COST_TOTAL] == pytest.approx(sum(costs))
    else:
        assert turn.parent is None  # the run's trace has no workflow span: the turn is its root

    # One turn duration, for the outer run only.
    points = [
        p
        for attrs, p in exported.points(sc.METRIC_INVOCATION_DURATION)
        if attrs.get(sc.GEN_AI_OPERATION_NAME) == sc.OP_HANDLE_CONVERSATION_TURN
    ]
    assert sum(p.count for p in points) == 1
