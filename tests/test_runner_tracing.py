"""What the runner reports to trace processors: the tree of a real run, errors where they happen,
late fields filled before the end, concurrency, and processors that fail."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from otel_agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    RunConfig,
    RunContextWrapper,
    Runner,
    function_tool,
    input_guardrail,
)
from otel_agents.models import ScriptedModel, call_tool, fail, transfer_to
from otel_agents.tracing import (
    Span,
    Trace,
    TracingProcessor,
    custom_span,
    get_current_span,
    get_current_trace,
    set_trace_processors,
)
from support.tracing_recorder import RecordingProcessor


@function_tool
def lookup(order_id: str) -> str:
    """Looks up an order.

    Args:
        order_id: The order's id.
    """
    with custom_span("db.query", data={"table": "orders"}):
        return f"order {order_id}: shipped"


@input_guardrail
def polite(ctx: RunContextWrapper[Any], agent: Agent[Any], input: Any) -> GuardrailFunctionOutput:
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered="idiot" in str(input))


def agents(model: ScriptedModel) -> Agent[Any]:
    support = Agent(name="Support", instructions="Help.", tools=[lookup], model=model)
    return Agent(
        name="Triage",
        instructions="Route.",
        handoffs=[support],
        input_guardrails=[polite],
        model=model,
    )


def script() -> ScriptedModel:
    return ScriptedModel(
        [transfer_to("Support"), call_tool("lookup", {"order_id": "7"}), "It shipped."]
    )


EXPECTED_TREE = {
    "type": "trace",
    "name": "Agent workflow",
    "children": [
        {
            "type": "agent",
            "name": "Triage",
            "children": [
                {"type": "guardrail", "name": "polite"},
                {"type": "generation", "name": "scripted-model"},
                {"type": "handoff", "name": "Triage -> Support"},
            ],
        },
        {
            "type": "agent",
            "name": "Support",
            "children": [
                {"type": "generation", "name": "scripted-model"},
                {
                    "type": "function",
                    "name": "lookup",
                    "children": [{"type": "custom", "name": "db.query"}],
                },
                {"type": "generation", "name": "scripted-model"},
            ],
        },
    ],
}


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
async def test_triage_to_support_tree(recorder: RecordingProcessor, streamed: bool) -> None:
    if streamed:
        result: Any = Runner.run_streamed(agents(script()), "Where is order 7?")
        async for _ in result.stream_events():
            pass
    else:
        result = await Runner.run(agents(script()), "Where is order 7?")
    assert result.final_output == "It shipped."
    recorder.assert_well_formed()
    assert recorder.tree() == EXPECTED_TREE
    assert get_current_trace() is None and get_current_span() is None


async def test_late_fields_are_filled_before_the_span_ends(recorder: RecordingProcessor) -> None:
    await Runner.run(agents(script()), "Where is order 7?")
    ended = {id(s.span_data): s for kind, s in recorder.events if kind == "span_end"}
    (handoff,) = recorder.spans_of_type("handoff")
    (guardrail,) = recorder.spans_of_type("guardrail")
    assert handoff.span_data.to_agent == "Support" and id(handoff.span_data) in ended
    assert guardrail.span_data.triggered is False
    generations = recorder.spans_of_type("generation")
    assert all(g.span_data.usage and g.span_data.response_id for g in generations)
    assert generations[0].span_data.finish_reasons == ["tool_calls"]
    (function,) = recorder.spans_of_type("function")
    assert function.span_data.call_id and function.span_data.output == "order 7: shipped"
    agent_spans = recorder.spans_of_type("agent")
    assert [a.span_data.run_outcome for a in agent_spans] == [None, "success"]


async def test_sensitive_data_can_be_left_out_of_span_data(recorder: RecordingProcessor) -> None:
    config = RunConfig(trace_include_sensitive_data=False)
    await Runner.run(agents(script()), "Where is order 7?", run_config=config)
    for span in recorder.spans:
        data = span.span_data.export()
        for key in ("input", "output", "system_instructions"):
            assert data.get(key) is None, (span.span_type, key)


async def test_errors_are_recorded_where_they_happen(recorder: RecordingProcessor) -> None:
    @function_tool
    def broken(x: int) -> int:
        """Breaks."""
        raise ValueError("nope")

    model = ScriptedModel([call_tool("broken", {"x": 1}), fail(RuntimeError("server down"))])
    with pytest.raises(RuntimeError):
        await Runner.run(Agent(name="A", tools=[broken], model=model), "go")
    recorder.assert_well_formed()
    tree = recorder.tree()
    agent = tree["children"][0]
    assert agent["error"].endswith("RuntimeError")
    assert [(c["type"], c.get("error")) for c in agent["children"]] == [
        ("generation", None),
        ("function", "ValueError"),
        ("generation", "RuntimeError"),
    ]


async def test_tripwire_is_on_the_guardrail_and_the_agent(recorder: RecordingProcessor) -> None:
    with pytest.raises(InputGuardrailTripwireTriggered):
        await Runner.run(agents(script()), "you idiot")
    tree = recorder.tree()
    agent = tree["children"][0]
    assert agent["error"].endswith("InputGuardrailTripwireTriggered")
    # The guardrail runs in parallel with the first model call (the SDK's default).
    assert agent["children"] == [
        {"type": "guardrail", "name": "polite", "error": agent["error"]},
        {"type": "generation", "name": "scripted-model"},
    ]
    (guardrail,) = recorder.spans_of_type("guardrail")
    assert guardrail.span_data.triggered is True
    assert recorder.spans_of_type("agent")[0].span_data.run_outcome == "guardrail_tripped"


async def test_max_turns_is_on_the_agent_span(recorder: RecordingProcessor) -> None:
    model = ScriptedModel([call_tool("lookup", {"order_id": "1"})] * 3)
    with pytest.raises(MaxTurnsExceeded):
        await Runner.run(Agent(name="Loop", tools=[lookup], model=model), "go", max_turns=2)
    (agent,) = recorder.spans_of_type("agent")
    assert agent.error is not None and agent.error.type
    assert agent.error.type.endswith("MaxTurnsExceeded")
    assert agent.span_data.run_outcome == "max_turns"
    recorder.assert_well_formed()


async def test_a_cancelled_stream_ends_every_open_span_without_error(
    recorder: RecordingProcessor,
) -> None:
    model = ScriptedModel(["word " * 100], chunk_delay=0.001)
    result = Runner.run_streamed(Agent(name="A", model=model), "go")
    async for event in result.stream_events():
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
            result.cancel()
    recorder.assert_well_formed()
    assert all(span.error is None for span in recorder.spans)
    (agent,) = recorder.spans_of_type("agent")
    assert agent.span_data.run_outcome == "cancelled"


async def test_a_run_inside_a_user_trace_joins_it(recorder: RecordingProcessor) -> None:
    from otel_agents import trace

    with trace("conversation", group_id="chat_1"):
        await Runner.run(agents(script()), "first")
        await Runner.run(Agent(name="Echo", model=ScriptedModel(["ok"])), "second")
    (only,) = recorder.trees()
    assert only["name"] == "conversation"
    assert [c["name"] for c in only["children"]] == ["Triage", "Support", "Echo"]


async def test_run_config_names_the_trace_and_can_disable_it(recorder: RecordingProcessor) -> None:
    config = RunConfig(workflow_name="orders", group_id="session_9", trace_metadata={"user": "u1"})
    await Runner.run(agents(script()), "Where is order 7?", run_config=config)
    (t,) = recorder.traces
    assert (t.name, t.group_id, t.metadata) == ("orders", "session_9", {"user": "u1"})
    recorder.clear()
    await Runner.run(
        Agent(name="A", model=ScriptedModel(["x"])),
        "go",
        run_config=RunConfig(tracing_disabled=True),
    )
    assert recorder.events == []


async def test_100_concurrent_runs_make_100_separate_trees(recorder: RecordingProcessor) -> None:
    results = await asyncio.gather(
        *(Runner.run(agents(script()), f"order {i}") for i in range(100))
    )
    assert all(r.final_output == "It shipped." for r in results)
    recorder.assert_well_formed()
    trees = recorder.trees()
    assert len(trees) == 100
    assert all(tree == EXPECTED_TREE for tree in trees)


class Exploding(TracingProcessor):
    def on_trace_start(self, trace: Trace) -> None:
        raise RuntimeError("boom")

    def on_trace_end(self, trace: Trace) -> None:
        raise RuntimeError("boom")

    def on_span_start(self, span: Span[Any]) -> None:
        raise RuntimeError("boom")

    def on_span_end(self, span: Span[Any]) -> None:
        raise RuntimeError("boom")


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
async def test_a_processor_that_raises_changes_no_result(
    recorder: RecordingProcessor, streamed: bool
) -> None:
    set_trace_processors([Exploding(), recorder, Exploding()])
    if streamed:
        result: Any = Runner.run_streamed(agents(script()), "Where is order 7?")
        async for _ in result.stream_events():
            pass
    else:
        result = await Runner.run(agents(script()), "Where is order 7?")
    assert result.final_output == "It shipped."
    assert result.last_agent.name == "Support"
    assert recorder.tree() == EXPECTED_TREE
