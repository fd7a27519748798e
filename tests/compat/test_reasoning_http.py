"""Reasoning from both model backends, through the real `openai` client and the local
OpenAI-compatible server: a `ReasoningItem` first in the run's items, a `reasoning_item_created`
stream event, and the conversation goes on after it (the next request is accepted)."""

from __future__ import annotations

import pytest

from otel_agents import (
    Agent,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    ReasoningItem,
    Runner,
    function_tool,
)
from otel_agents.models import call_tool
from support.fake_openai import FakeOpenAI


@function_tool
def lookup(order_id: str) -> str:
    """Looks up an order."""
    return f"Order {order_id} shipped."


@pytest.mark.parametrize("api", ["responses", "chat_completions"])
@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed"])
async def test_reasoning_becomes_a_reasoning_item(
    fake_openai: FakeOpenAI, api: str, stream: bool
) -> None:
    fake_openai.script([call_tool("lookup", {"order_id": "7"}), "It shipped."])
    fake_openai.reasoning = "The user wants order 7."
    client = fake_openai.client()
    model = (
        OpenAIResponsesModel("gpt-test", client)
        if api == "responses"
        else OpenAIChatCompletionsModel("gpt-test", client)
    )
    agent = Agent(name="A", tools=[lookup], model=model)
    names: list[str] = []
    if stream:
        result = Runner.run_streamed(agent, "Where is order 7?")
        async for event in result.stream_events():
            if event.type == "run_item_stream_event":
                names.append(event.name)
    else:
        result = await Runner.run(agent, "Where is order 7?")
    assert result.final_output == "It shipped."
    reasoning = [i for i in result.new_items if isinstance(i, ReasoningItem)]
    assert [r.raw_item.summary[0].text for r in reasoning] == ["The user wants order 7."] * 2
    assert type(result.new_items[0]) is ReasoningItem
    if stream:
        assert names.count("reasoning_item_created") == 2
        assert names[0] == "reasoning_item_created"
