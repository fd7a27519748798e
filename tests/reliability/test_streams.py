"""Streams that end badly: the consumer breaks out, cancels or stops reading; the model's stream
dies mid-token, sends malformed SSE or never sends its terminal event.

After each: every span ended exactly once with the right status, nothing of the run is current
in the caller's context (ours or OpenTelemetry's), and no task is left behind. Every case runs
inside an application's OTel span, which must still be current afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from otel_agents import Agent, ModelBehaviorError, Runner, function_tool
from otel_agents.models import (
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    ScriptedModel,
    call_tool,
    turn,
)
from otel_agents.result import MAX_QUEUED_EVENTS, RunResultStreaming
from support.fake_openai import FakeOpenAI
from support.tracing_recorder import RecordingProcessor

from ._support import Pipeline, assert_nothing_current, no_other_tasks
from .conftest import Bridge

LONG_REPLY = " ".join(f"word{i}" for i in range(40))
# More events than the stream's queue holds: the run cannot finish before the consumer reads.
LONGER_THAN_THE_QUEUE = " ".join(f"word{i}" for i in range(2 * MAX_QUEUED_EVENTS))


@function_tool
async def slow_tool() -> str:
    """Takes a little while."""
    await asyncio.sleep(0.02)
    return "tool result"


def writer() -> Agent[Any]:
    """Says something and calls a tool, then streams a long reply, a word per millisecond."""
    return Agent(
        name="Writer",
        tools=[slow_tool],
        model=ScriptedModel(
            [turn("Let me check.", call_tool("slow_tool")), LONG_REPLY], chunk_delay=0.001
        ),
    )


def is_first_token(event: Any) -> bool:
    return event.type == "raw_response_event" and event.data.type == "response.output_text.delta"


def is_tool_call(event: Any) -> bool:
    return event.type == "run_item_stream_event" and event.name == "tool_called"


async def break_out(result: RunResultStreaming, at: Callable[[Any], bool]) -> None:
    async for event in result.stream_events():
        if at(event):
            break


async def cancel_run(result: RunResultStreaming, at: Callable[[Any], bool]) -> None:
    async for event in result.stream_events():
        if at(event):
            result.cancel()  # the stream then ends quietly after what was already queued


async def cancel_consumer(result: RunResultStreaming, at: Callable[[Any], bool]) -> None:
    reached = asyncio.Event()

    async def consume() -> None:
        async for event in result.stream_events():
            if at(event):
                reached.set()

    task = asyncio.create_task(consume())
    await reached.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def stop_reading(result: RunResultStreaming, at: Callable[[Any], bool]) -> None:
    events = result.stream_events()
    assert isinstance(events, AsyncIterator)
    while not at(await events.__anext__()):
        pass
    # The consumer keeps the iterator but never asks again: the run must finish on its own.
    await asyncio.wait_for(_completed(result), 10)
    await events.aclose()  # type: ignore[attr-defined]


async def never_read(result: RunResultStreaming, at: Callable[[Any], bool]) -> None:
    await asyncio.wait_for(_completed(result), 10)


async def _completed(result: RunResultStreaming) -> None:
    while not result.is_complete:
        await asyncio.sleep(0.002)


CONSUMERS: dict[str, tuple[Callable[..., Awaitable[None]], str]] = {
    # how the consumer behaves -> the outcome the run's last agent span must record
    "breaks-out": (break_out, "cancelled"),
    "cancels-the-run": (cancel_run, "cancelled"),
    "is-cancelled": (cancel_consumer, "cancelled"),
    "stops-reading": (stop_reading, "success"),
    "never-reads": (never_read, "success"),
}


def app_span(pipeline: Pipeline) -> Any:
    return pipeline.tracer_provider.get_tracer("app").start_as_current_span("POST /chat")


def check_spans(
    recorder: RecordingProcessor, pipeline: Pipeline, outcome: str, error: str | None
) -> None:
    """Exactly-once, statuses, and the outcome on the last agent span, ours and OTel's."""
    recorder.assert_well_formed()
    spans = recorder.spans
    agents = [s for s in spans if s.span_type == "agent"]
    assert agents[-1].span_data.run_outcome == outcome
    failed = {s.span_type for s in spans if s.error is not None}
    assert failed == (set() if error is None else {"agent", "generation"})
    for span in spans:
        if span.error is not None:
            assert span.error.type == error
    exported = pipeline.spans
    assert len(exported) == len(spans) + 1  # + the app span (one agent: no workflow span)
    statuses = {s.name.split(" ")[0]: s.status.status_code.name for s in exported}
    assert statuses.pop("POST") == "UNSET"  # the app's span, ended by the app
    if error is None:
        assert set(statuses.values()) == {"UNSET"}, statuses
    else:
        assert statuses["chat"] == statuses["invoke_agent"] == "ERROR"
    root = next(s for s in exported if s.name.startswith("invoke_agent"))
    app = next(s for s in exported if s.name == "POST /chat")
    assert root.parent is not None and root.parent.span_id == app.context.span_id


@pytest.mark.parametrize("at", [is_first_token, is_tool_call], ids=["mid-token", "mid-tool"])
@pytest.mark.parametrize("consumer", list(CONSUMERS))
async def test_the_consumer_leaving_early_ends_every_span_once_and_leaves_nothing_behind(
    bridge: Bridge, pipeline: Pipeline, consumer: str, at: Callable[[Any], bool]
) -> None:
    recorder = RecordingProcessor()
    bridge(recorder)
    behave, outcome = CONSUMERS[consumer]
    with app_span(pipeline) as app:
        result = Runner.run_streamed(writer(), "write something")
        await asyncio.wait_for(behave(result, at), 10)
        await no_other_tasks()
        assert_nothing_current(app)
    assert result.is_complete
    check_spans(recorder, pipeline, outcome, None)
    if outcome == "success":
        assert result.final_output == LONG_REPLY


MODELS = {"responses": OpenAIResponsesModel, "chat": OpenAIChatCompletionsModel}


@pytest.mark.parametrize("fault", ["drop", "malformed", "no_terminal"])
@pytest.mark.parametrize("api", list(MODELS))
async def test_a_broken_model_stream_is_a_clear_error_recorded_once(
    bridge: Bridge, pipeline: Pipeline, fake_openai: FakeOpenAI, api: str, fault: str
) -> None:
    recorder = RecordingProcessor()
    bridge(recorder)
    fake_openai.script([LONG_REPLY])
    fake_openai.break_next_stream(fault)  # type: ignore[arg-type]
    client = fake_openai.client()
    agent = Agent(name="Writer", model=MODELS[api]("gpt-test", client))
    try:
        with app_span(pipeline) as app:
            result = Runner.run_streamed(agent, "write something")
            with pytest.raises(ModelBehaviorError):
                await asyncio.wait_for(_drain(result), 10)
            await no_other_tasks()
            assert_nothing_current(app)
    finally:
        await client.close()
    check_spans(recorder, pipeline, "error", "otel_agents.exceptions.ModelBehaviorError")


async def test_breaking_out_of_a_real_http_stream_closes_it(
    bridge: Bridge, pipeline: Pipeline, fake_openai: FakeOpenAI
) -> None:
    recorder = RecordingProcessor()
    bridge(recorder)
    fake_openai.script([LONGER_THAN_THE_QUEUE])
    client = fake_openai.client()
    agent = Agent(name="Writer", model=OpenAIResponsesModel("gpt-test", client))
    try:
        with app_span(pipeline) as app:
            result = Runner.run_streamed(agent, "write something")
            await asyncio.wait_for(break_out(result, is_first_token), 10)
            await no_other_tasks()
            assert_nothing_current(app)
    finally:
        await client.close()
    check_spans(recorder, pipeline, "cancelled", None)


async def _drain(result: RunResultStreaming) -> None:
    async for _ in result.stream_events():
        pass
