"""The scripted 3-turn workload, for our runner and for the upstream OpenAI Agents SDK.

One run: the model calls a tool (`get_weather`), then hands off to a second agent, which replies
with 200 words (200 text deltas when streamed, 200 output tokens). Both runners play the same
script through the same `ScriptedModel` renderer, so the model's own cost is identical on both
sides; only the runner (and its tracing) differs.

`stream_workload(words)` is a single-turn run with a reply of `words` words, for the per-event
marginal cost (the number of stream events grows by one per word).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from otel_agents import Agent, RunConfig, Runner, function_tool
from otel_agents.models import ScriptedModel, call_tool, say, transfer_to
from otel_agents.models.interface import ModelRequest

REPLY_WORDS = 200
REPLY = " ".join(f"word{i}" for i in range(REPLY_WORDS))
CITY = "Paris"

RunOnce = Callable[[], Coroutine[Any, Any, None]]
"""One run of a workload, awaited to its end (streamed runs are consumed to the last event)."""


def script(reply: str = REPLY) -> list[Any]:
    """The three model calls: a tool call, a handoff, a text reply."""
    return [call_tool("get_weather", {"city": CITY}), transfer_to("Writer"), say(reply)]


def get_weather(city: str) -> str:
    """Returns the weather for a city."""
    return f"It is sunny in {city}."


# --- our runner -------------------------------------------------------------------------------


def _our_agents() -> Agent[Any]:
    writer: Agent[Any] = Agent(name="Writer", instructions="Write the forecast.")
    return Agent(
        name="Triage",
        instructions="Find the weather, then hand off to the writer.",
        tools=[function_tool(get_weather)],
        handoffs=[writer],
    )


@dataclass
class OurWorkload:
    """Our runner on the script; `streamed` consumes `stream_events()` to the end."""

    streamed: bool
    reply: str = REPLY
    single_turn: bool = False

    def __post_init__(self) -> None:
        self.agent = _our_agents()
        self.single: Agent[Any] = Agent(name="Writer", instructions="Write the forecast.")
        self.events = 0

    def _steps(self) -> list[Any]:
        return [say(self.reply)] if self.single_turn else script(self.reply)

    async def run(self) -> None:
        config = RunConfig(model=ScriptedModel(self._steps()))
        agent = self.single if self.single_turn else self.agent
        if not self.streamed:
            result = await Runner.run(agent, "What is the weather in Paris?", run_config=config)
            assert result.final_output == self.reply
            return
        streamed = Runner.run_streamed(agent, "What is the weather in Paris?", run_config=config)
        n = 0
        async for _ in streamed.stream_events():
            n += 1
        self.events = n
        assert streamed.final_output == self.reply


def stream_workload(words: int) -> OurWorkload:
    """A single-turn streamed run whose reply has `words` words."""
    return OurWorkload(
        streamed=True, reply=" ".join(f"w{i}" for i in range(words)), single_turn=True
    )


# --- the upstream OpenAI Agents SDK -----------------------------------------------------------


class UpstreamWorkload:
    """The upstream SDK's runner on the same script, through a fake `agents.Model`."""

    def __init__(self, streamed: bool) -> None:
        import agents

        self.streamed = streamed
        self._agents = agents
        writer = agents.Agent(name="Writer", instructions="Write the forecast.")
        self.agent = agents.Agent(
            name="Triage",
            instructions="Find the weather, then hand off to the writer.",
            tools=[agents.function_tool(get_weather)],
            handoffs=[writer],
        )

    async def run(self) -> None:
        agents = self._agents
        config = agents.RunConfig(model=upstream_model(ScriptedModel(script())))
        question = "What is the weather in Paris?"
        if not self.streamed:
            result = await agents.Runner.run(self.agent, question, run_config=config)
            assert result.final_output == REPLY
            return
        streamed = agents.Runner.run_streamed(self.agent, question, run_config=config)
        async for _ in streamed.stream_events():
            pass
        assert streamed.final_output == REPLY


def upstream_model(scripted: ScriptedModel) -> Any:
    """An `agents.Model` that plays `scripted` (the same renderer our runner's model uses).

    Like the SDK's own `OpenAIResponsesModel`, each call runs inside a `response_span` that gets
    the usage and, when tracing includes data, the response and input: a tracing processor sees
    what it would see with a real model.
    """
    from agents.items import ModelResponse
    from agents.models.interface import Model, ModelTracing
    from agents.tracing import response_span
    from agents.usage import Usage, model_usage_to_span_usage

    def request(system_instructions: str | None, input: Any) -> ModelRequest:
        items = [{"role": "user", "content": input}] if isinstance(input, str) else list(input)
        return ModelRequest(system_instructions=system_instructions, input=items)

    def usage_of(response: Any) -> Usage:
        u = response.usage
        return Usage(
            requests=1,
            input_tokens=u.input_tokens,
            output_tokens=u.output_tokens,
            total_tokens=u.total_tokens,
        )

    def fill(span: Any, response: Any, input: Any, tracing: ModelTracing) -> None:
        span.span_data.usage = model_usage_to_span_usage(usage_of(response))
        if tracing.include_data():
            span.span_data.response = response
            span.span_data.input = input

    class UpstreamScriptedModel(Model):
        async def get_response(
            self,
            system_instructions: str | None,
            input: Any,
            model_settings: Any,
            tools: Any,
            output_schema: Any,
            handoffs: Any,
            tracing: ModelTracing,
            **kwargs: Any,
        ) -> ModelResponse:
            with response_span(disabled=tracing.is_disabled()) as span:
                response = scripted.render_response(request(system_instructions, input))
                fill(span, response, input, tracing)
            return ModelResponse(
                output=list(response.output), usage=usage_of(response), response_id=response.id
            )

        async def stream_response(
            self,
            system_instructions: str | None,
            input: Any,
            model_settings: Any,
            tools: Any,
            output_schema: Any,
            handoffs: Any,
            tracing: ModelTracing,
            **kwargs: Any,
        ) -> AsyncIterator[Any]:
            with response_span(disabled=tracing.is_disabled()) as span:
                for event in scripted.render_stream(request(system_instructions, input)):
                    if event.type == "response.completed":
                        fill(span, event.response, input, tracing)
                    yield event

    return UpstreamScriptedModel()


def run_blocking(loop: asyncio.AbstractEventLoop, once: RunOnce, n: int) -> None:
    """Runs `once` n times, one after the other, on `loop`."""

    async def body() -> None:
        for _ in range(n):
            await once()

    loop.run_until_complete(body())
