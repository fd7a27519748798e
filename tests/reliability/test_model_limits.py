"""Hostile model servers over real HTTP (the openai client against the local fixture): a server
that never answers, stalls mid-stream, trickles a byte at a time or streams without end ends the
call with an error naming the limit it hit; bytes that are not UTF-8 and JSON nested 100,000 deep
are a `ModelBehaviorError` naming the event; a response with too many tool calls hits a cap.

The limits are small here so the calls end quickly; `asyncio.wait_for` only turns a hang (what
these servers did before the limits existed) into a failure.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from otel_agents import (
    Agent,
    ModelBehaviorError,
    ModelSettings,
    ModelTimeoutError,
    Runner,
    function_tool,
)
from otel_agents.models import OpenAIChatCompletionsModel, OpenAIResponsesModel, call_tool, turn
from support.fake_openai import FakeOpenAI
from support.tracing_recorder import RecordingProcessor

from ._support import no_other_tasks

pytestmark = pytest.mark.slow  # waits on real (short) model timeouts

MODELS = {"responses": OpenAIResponsesModel, "chat": OpenAIChatCompletionsModel}
# The idle timeout is far above the 20 ms between an endless server's events, even on a busy
# machine, and well below the deadline, so each case hits the limit it names.
LIMITS = ModelSettings(timeout=1.2, idle_timeout=0.5)
IDLE = (
    r"sent nothing for 0\.5 s .*idle timeout: "
    r"ModelSettings\(idle_timeout=\.\.\.\) or OTEL_AGENTS_MODEL_IDLE_TIMEOUT"
)
DEADLINE = (
    r"did not finish within 1\.2 s .*deadline: ModelSettings\(timeout=\.\.\.\) or "
    r"OTEL_AGENTS_MODEL_TIMEOUT"
)


@function_tool
def ping() -> str:
    """Answers pong."""
    return "pong"


async def _run(agent: Agent[Any], streamed: bool) -> Any:
    if not streamed:
        return await Runner.run(agent, "hello")
    result = Runner.run_streamed(agent, "hello")
    async for _ in result.stream_events():
        pass
    return result


CASES = {
    # fault, streamed -> the limit the error must name
    "silent-stream": ("silent", True, IDLE),
    "stall-mid-stream": ("stall", True, IDLE),
    "trickle-stream": ("trickle", True, IDLE),
    "endless-stream": ("endless", True, DEADLINE),
    "silent-reply": ("silent", False, DEADLINE),
    "trickle-reply": ("trickle", False, DEADLINE),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("api", list(MODELS))
async def test_a_silent_stalled_trickling_or_endless_server_ends_the_call_naming_the_limit(
    fake_openai: FakeOpenAI, recorder: RecordingProcessor, api: str, case: str
) -> None:
    fault, streamed, message = CASES[case]
    fake_openai.script(["a reply that never arrives whole"])
    fake_openai.break_next_stream(fault)  # type: ignore[arg-type]
    client = fake_openai.client(timeout=30)  # the client's own per-read timeout never fires
    agent = Agent(name="A", model=MODELS[api]("gpt-test", client), model_settings=LIMITS)
    try:
        with pytest.raises(ModelTimeoutError, match=message) as info:
            await asyncio.wait_for(_run(agent, streamed), 10)
        await no_other_tasks()
    finally:
        await client.close()
    # What a caller (the CLI) needs to tell a silent server from a slow one, and which it was.
    assert isinstance(info.value, ModelBehaviorError)
    assert info.value.limit == ("idle_timeout" if message == IDLE else "timeout")
    if fault in ("silent", "stall", "endless"):
        assert (info.value.events == 0) == (fault == "silent")
    assert info.value.server_address == "127.0.0.1"
    recorder.assert_well_formed()
    generation = next(s for s in recorder.spans if s.span_type == "generation")
    assert generation.error is not None
    assert generation.error.type == "otel_agents.exceptions.ModelTimeoutError"


@pytest.mark.parametrize("api", list(MODELS))
async def test_the_limits_come_from_the_environment_too(
    fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, api: str
) -> None:
    monkeypatch.setenv("OTEL_AGENTS_MODEL_IDLE_TIMEOUT", "0.3")
    fake_openai.script(["never"])
    fake_openai.break_next_stream("stall")
    client = fake_openai.client(timeout=30)
    agent = Agent(name="A", model=MODELS[api]("gpt-test", client))
    try:
        with pytest.raises(ModelBehaviorError, match=r"0\.3 s after event \d+ \(the idle timeout"):
            await asyncio.wait_for(_run(agent, True), 10)
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("bad_utf8", r"bytes that are not UTF-8 .* in (server-sent event \d+ of )?the"),
        ("deep_json", r"JSON nested too deeply to parse in (server-sent event \d+ of )?the"),
    ],
    ids=["bad-utf8", "deep-json"],
)
@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "not-streamed"])
@pytest.mark.parametrize("api", list(MODELS))
async def test_undecodable_events_are_a_model_behavior_error_naming_the_event(
    fake_openai: FakeOpenAI, api: str, streamed: bool, fault: str, message: str
) -> None:
    fake_openai.script(["some text"])
    fake_openai.break_next_stream(fault)  # type: ignore[arg-type]
    client = fake_openai.client()
    agent = Agent(name="A", model=MODELS[api]("gpt-test", client))
    try:
        with pytest.raises(ModelBehaviorError, match=message) as raised:
            await asyncio.wait_for(_run(agent, streamed), 10)
        assert ("server-sent event" in str(raised.value)) == streamed
        assert "model 'gpt-test'" in str(raised.value)
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("calls", "cap"), [(1000, None), (4, 3)], ids=["default-cap", "configured-cap"]
)
@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "not-streamed"])
@pytest.mark.parametrize("api", list(MODELS))
async def test_tool_calls_per_response_are_capped(
    fake_openai: FakeOpenAI, api: str, streamed: bool, calls: int, cap: int | None
) -> None:
    fake_openai.script([turn(*[call_tool("ping") for _ in range(calls)]), "done"])
    client = fake_openai.client()
    agent = Agent(
        name="A",
        model=MODELS[api]("gpt-test", client),
        tools=[ping],
        model_settings=ModelSettings(max_tool_calls=cap),
    )
    limit = cap or 256
    try:
        with pytest.raises(
            ModelBehaviorError,
            match=rf"more than {limit} tool calls \(the cap: ModelSettings\(max_tool_calls=",
        ):
            await asyncio.wait_for(_run(agent, streamed), 20)
    finally:
        await client.close()
    # Under the cap the same calls run.
    fake_openai.script([turn(*[call_tool("ping") for _ in range(limit)]), "done"])
    client = fake_openai.client()
    agent = Agent(name="A", model=MODELS[api]("gpt-test", client), tools=[ping])
    agent.model_settings = ModelSettings(max_tool_calls=cap)
    try:
        result = await asyncio.wait_for(_run(agent, streamed), 20)
    finally:
        await client.close()
    assert result.final_output == "done"
