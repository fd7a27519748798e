"""The runner through the real `openai` client against the local server: both APIs, streamed and
not, usage totals, and what a failing server does to a run."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest

from otel_agents import Agent, ModelBehaviorError, Runner, function_tool
from otel_agents.models import (
    Model,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    call_tool,
    say,
)
from support.fake_openai import FakeOpenAI

APIS = ["responses", "chat_completions"]


def model_for(api: str, server: FakeOpenAI, retries: int = 0) -> Model:
    client = server.client(max_retries=retries)
    if api == "responses":
        return OpenAIResponsesModel("gpt-test", client)
    return OpenAIChatCompletionsModel("gpt-test", client)


@function_tool
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


async def run(agent: Agent[Any], streamed: bool) -> Any:
    if not streamed:
        return await Runner.run(agent, "What is 2 + 3?")
    result = Runner.run_streamed(agent, "What is 2 + 3?")
    async for _ in result.stream_events():
        pass
    return result


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
@pytest.mark.parametrize("api", APIS)
async def test_tool_round_trip_and_usage_totals(
    api: str, streamed: bool, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(
        [
            call_tool("add", {"a": 2, "b": 3}),
            say("2 + 3 = 5", input_tokens=40, output_tokens=6),
        ]
    )
    agent = Agent(
        name="Calc", instructions="Use the tool.", tools=[add], model=model_for(api, fake_openai)
    )
    result = await asyncio.wait_for(run(agent, streamed), timeout=20)
    assert result.final_output == "2 + 3 = 5"
    assert result.usage.requests == 2
    assert result.usage.input_tokens == sum(r.usage.input_tokens for r in result.raw_responses)
    assert result.usage.output_tokens == sum(r.usage.output_tokens for r in result.raw_responses)
    assert result.raw_responses[1].usage.input_tokens == 40
    assert result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens
    # The tool's result went back to the server in the second request.
    second = fake_openai.requests[1].body
    assert "5" in str(second.get("input", second.get("messages")))


@pytest.mark.parametrize("api", APIS)
async def test_a_500_is_retried_by_the_client(api: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(["recovered"])
    fake_openai.fail_next(1, status=500)
    agent = Agent(name="A", model=model_for(api, fake_openai, retries=2))
    result = await asyncio.wait_for(Runner.run(agent, "hi"), timeout=20)
    assert result.final_output == "recovered"
    assert len(fake_openai.requests) == 2


@pytest.mark.parametrize("api", APIS)
async def test_a_429_without_retries_is_a_clear_error(api: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.script(["never"])
    fake_openai.fail_next(1, status=429, retry_after="0")
    agent = Agent(name="A", model=model_for(api, fake_openai))
    with pytest.raises(openai.RateLimitError):
        await asyncio.wait_for(Runner.run(agent, "hi"), timeout=20)


@pytest.mark.parametrize("fault", ["malformed", "drop", "no_terminal"])
@pytest.mark.parametrize("api", APIS)
async def test_a_broken_stream_ends_the_run_with_a_model_behavior_error(
    api: str, fault: str, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(["a reply that will be cut off mid way"])
    fake_openai.break_next_stream(fault)  # type: ignore[arg-type]
    result = Runner.run_streamed(Agent(name="A", model=model_for(api, fake_openai)), "hi")
    with pytest.raises(ModelBehaviorError):
        await asyncio.wait_for(run_to_end(result), timeout=20)
    assert result.is_complete


async def run_to_end(result: Any) -> None:
    async for _ in result.stream_events():
        pass
