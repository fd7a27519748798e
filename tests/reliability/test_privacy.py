"""Privacy, checked on the wire: with content capture off (the default) no prompt, completion,
instruction, tool argument, tool result, exception message or sensitive custom span data leaves
the process; the API key and Authorization header never do, capture on or off; a `redact` hook
scrubs attribute values before export.

Runs go through the real openai client to the local OpenAI-compatible server (so the key is in
play), both APIs, awaited and streamed, plus a run that fails with the server's error message.
Spans and metrics go through the real OTLP/HTTP exporters with gzip to the local receiver; every
request body is decompressed and searched for unique marker strings. Logs are searched too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from otel_agents import Agent, Runner, function_tool
from otel_agents.models import (
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    call_tool,
    fail,
    say,
    turn,
)
from otel_agents.otel import CaptureMode, Redactor, configure, setup
from otel_agents.tracing import custom_span
from support.fake_openai import API_KEY, FakeOpenAI
from support.otlp_receiver import OTLPReceiver

from .conftest import Bridge

PROMPT = "MARK-PROMPT-c41e"
INSTRUCTIONS = "MARK-INSTRUCTIONS-9b07"
ARGUMENT = "MARK-ARGUMENT-5d2a"
RESULT = "MARK-RESULT-e810"
COMPLETION = "MARK-COMPLETION-31fc"
TOOL_ERROR = "MARK-TOOL-ERROR-77a0"
SERVER_ERROR = "MARK-SERVER-ERROR-0c9d"
SENSITIVE = "MARK-SENSITIVE-DATA-a5b3"
MARKERS = [PROMPT, INSTRUCTIONS, ARGUMENT, RESULT, COMPLETION, TOOL_ERROR, SERVER_ERROR, SENSITIVE]
CREDENTIALS = [API_KEY.encode(), b"authorization", b"bearer"]
MODELS = {"responses": OpenAIResponsesModel, "chat": OpenAIChatCompletionsModel}


@function_tool
def lookup_order(order_id: str) -> str:
    """Look up an order.

    Args:
        order_id: The order id.
    """
    with custom_span("audit", data={"note": SENSITIVE}, sensitive=True):
        pass
    with custom_span("db", data={"table": "orders"}):
        pass
    return RESULT


@function_tool
def refund(order_id: str) -> str:
    """Refund an order.

    Args:
        order_id: The order id.
    """
    raise ValueError(f"refund refused: {TOOL_ERROR}")


@pytest.fixture
def wire(otlp_receiver: OTLPReceiver, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """Tracer and meter providers exporting OTLP/HTTP with gzip to the receiver."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
    tracer_provider, meter_provider = configure(
        endpoint=otlp_receiver.http_endpoint, set_global=False
    )
    yield tracer_provider, meter_provider
    setup.shutdown_within([tracer_provider, meter_provider], 10.0)


async def run_everything(fake_openai: FakeOpenAI, api: str) -> None:
    """An awaited run and a streamed run with two tools (one fails), then a failing run."""
    calls = turn(
        call_tool("lookup_order", {"order_id": ARGUMENT}),
        call_tool("refund", {"order_id": ARGUMENT}),
    )
    fake_openai.script(
        [calls, say(COMPLETION), calls, say(COMPLETION), fail(RuntimeError(SERVER_ERROR))]
    )
    client = fake_openai.client()
    agent = Agent(
        name="Support",
        instructions=INSTRUCTIONS,
        tools=[lookup_order, refund],
        model=MODELS[api]("gpt-test", client),
    )
    try:
        assert (await Runner.run(agent, PROMPT)).final_output == COMPLETION
        streamed = Runner.run_streamed(agent, PROMPT)
        async for _ in streamed.stream_events():
            pass
        assert streamed.final_output == COMPLETION
        with pytest.raises(openai.BadRequestError, match=SERVER_ERROR):
            await Runner.run(agent, PROMPT)
    finally:
        await client.close()


def wire_bytes(receiver: OTLPReceiver, tracer_provider: Any, meter_provider: Any) -> bytes:
    """Everything sent to the collector (bodies decompressed, plus headers), once flushed."""
    assert setup.shutdown_within([tracer_provider, meter_provider], 10.0)
    # One agent, no trace(): no workflow span. 2 good runs x (agent, 2 chats, 2 tools, 2 custom
    # spans) + the failed one (agent, chat)
    spans = receiver.wait_for_spans(count=16)
    assert {s.name for s in spans} >= {"invoke_agent Support", "execute_tool refund", "audit"}
    receiver.wait_for_points(lambda ps: any(p.metric == "otel_agents.runs" for p in ps))
    requests = receiver.requests
    assert {r.headers.get("content-encoding") for r in requests} == {"gzip"}
    return b"".join(r.payload + repr(r.headers).encode() for r in requests)


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


@pytest.mark.parametrize("api", list(MODELS))
async def test_with_capture_off_no_content_leaves_the_process(
    otlp_receiver: OTLPReceiver,
    fake_openai: FakeOpenAI,
    wire: tuple[Any, Any],
    bridge: Bridge,
    caplog: pytest.LogCaptureFixture,
    api: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    tracer_provider, meter_provider = wire
    processor = bridge(tracer_provider=tracer_provider, meter_provider=meter_provider)
    assert processor.capture_mode is CaptureMode.NO_CONTENT  # the default
    await run_everything(fake_openai, api)
    sent = wire_bytes(otlp_receiver, tracer_provider, meter_provider)
    leaked = [m for m in MARKERS if m.encode() in sent]
    assert leaked == []
    assert [c for c in CREDENTIALS if c in sent.lower()] == []
    # Nothing in our logs either (ours, the SDK's, the exporters', at any level).
    assert [m for m in [*MARKERS, API_KEY] if m in logged(caplog)] == []


@pytest.mark.parametrize("mode", [CaptureMode.SPAN_ONLY, CaptureMode.SPAN_AND_EVENT])
async def test_with_capture_on_content_is_exported_but_never_the_key(
    otlp_receiver: OTLPReceiver,
    fake_openai: FakeOpenAI,
    wire: tuple[Any, Any],
    bridge: Bridge,
    mode: CaptureMode,
) -> None:
    tracer_provider, meter_provider = wire
    bridge(tracer_provider=tracer_provider, meter_provider=meter_provider, capture_content=mode)
    await run_everything(fake_openai, "responses")
    sent = wire_bytes(otlp_receiver, tracer_provider, meter_provider)
    assert [m for m in MARKERS if m.encode() not in sent] == []  # the opt-in works
    assert [c for c in CREDENTIALS if c in sent.lower()] == []


def scrub(key: str, value: Any) -> Any:
    """A user's redaction hook: drops tool arguments, masks every marker elsewhere."""
    if key == "gen_ai.tool.call.arguments":
        return None
    if isinstance(value, str):
        for marker in MARKERS:
            value = value.replace(marker, "[redacted]")
    elif isinstance(value, (list, tuple)):
        return [scrub(key, v) for v in value]
    return value


async def test_the_redact_hook_scrubs_values_before_export(
    otlp_receiver: OTLPReceiver,
    fake_openai: FakeOpenAI,
    wire: tuple[Any, Any],
    bridge: Bridge,
) -> None:
    tracer_provider, meter_provider = wire
    hook: Redactor = scrub
    bridge(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        capture_content=CaptureMode.SPAN_AND_EVENT,
        redact=hook,
    )
    await run_everything(fake_openai, "chat")
    sent = wire_bytes(otlp_receiver, tracer_provider, meter_provider)
    assert [m for m in MARKERS if m.encode() in sent] == []  # attributes, events, statuses
    assert b"[redacted]" in sent
    assert b"gen_ai.tool.call.arguments" not in sent
    spans = otlp_receiver.spans
    assert any("gen_ai.tool.call.result" in s.attributes for s in spans)
