"""Telemetry of the SDK pieces beyond the seed, through our OTel bridge into memory: user ids of
any form, an agent used as a tool, reasoning items, cancelled runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from hashlib import blake2b
from typing import Any

import pytest

import otel_agents as m
from compat._both import call, msg, reasoning, scripted
from otel._trees import Pipeline
from otel_agents.otel import OTelTracingProcessor
from otel_agents.tracing import agent_span, trace

Bridge = Callable[..., OTelTracingProcessor]


def _hash_id(value: str, size: int) -> int:
    return int.from_bytes(blake2b(value.encode(), digest_size=size).digest(), "big")


async def test_odd_user_ids_map_to_valid_deterministic_otel_ids(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge()
    config = m.RunConfig(trace_id="trace_123", workflow_name="wf")
    for _ in range(2):
        await m.Runner.run(
            m.Agent(name="A", model=scripted(m, [[msg("hi")]])), "go", run_config=config
        )
    with trace("manual", trace_id="trace_123"), agent_span("Mine", span_id="span_abc"):
        pass
    spans = pipeline.exporter.get_finished_spans()
    assert {s.context.trace_id for s in spans} == {_hash_id("trace_123", 16)}
    mine = [s for s in spans if s.name == "invoke_agent Mine"]
    assert [s.context.span_id for s in mine] == [_hash_id("span_abc", 8)]
    # One agent with no handoffs: each run's root is its standalone invoke_agent span.
    roots = [s for s in spans if s.name == "invoke_agent A"]
    assert len(roots) == 2 and all(s.parent is None for s in roots)


async def test_an_agent_used_as_a_tool_runs_under_the_tools_span(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge()
    worker = m.Agent(name="Worker", model=scripted(m, [[msg("done")]]))
    boss = m.Agent(
        name="Boss",
        tools=[worker.as_tool(tool_name="delegate", tool_description="Delegate.")],
        model=scripted(m, [[call("delegate", {"input": "x"})], [msg("ok")]]),
    )
    await m.Runner.run(boss, "go")
    tool = pipeline.span("execute_tool delegate")
    nested = pipeline.span("invoke_agent Worker")
    boss_span = pipeline.span("invoke_agent Boss")
    assert nested.parent_id == tool.span_id
    assert tool.parent_id == boss_span.span_id
    assert len({s.context.trace_id for s in pipeline.exporter.get_finished_spans()}) == 1


async def test_reasoning_items_are_in_the_output_messages_when_content_is_captured(
    bridge: Bridge, pipeline: Pipeline
) -> None:
    bridge(capture_content=True)
    agent = m.Agent(name="A", model=scripted(m, [[reasoning("because"), msg("hi")]]))
    await m.Runner.run(agent, "go")
    (chat,) = [n for n in pipeline.nodes() if n.name.startswith("chat")]
    messages = json.loads(chat.attributes["gen_ai.output.messages"])
    parts = [p for message in messages for p in message["parts"]]
    assert {"type": "reasoning", "content": "because"} in parts


@pytest.mark.parametrize("mode", ["immediate", "after_turn"])
async def test_a_cancelled_run_is_visible_on_its_agent_span(
    bridge: Bridge, pipeline: Pipeline, mode: Any
) -> None:
    bridge()

    @m.function_tool
    def work() -> str:
        """Work."""
        return "worked"

    model = scripted(m, [[call("work", {})], [msg("one two three")]])
    result = m.Runner.run_streamed(m.Agent(name="A", tools=[work], model=model), "go")
    async for event in result.stream_events():
        # The first event: the run is still in its first turn.
        if event.type == "agent_updated_stream_event":
            result.cancel(mode=mode)
    agent = pipeline.span("invoke_agent A")
    assert agent.attributes["otel_agents.run.outcome"] == "cancelled"
    assert agent.status != "ERROR"
