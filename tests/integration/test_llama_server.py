"""Agent runs against a real OpenAI-compatible model server: llama.cpp's own HTTP server with
SmolLM2-135M-Instruct, through the real `openai` client, on both APIs, streamed and not.

Opt-in (marked `integration`): the server and the model live under `.cache/`, installed once by
`bash tests/integration/llama_setup.sh` (`make test-integration` runs it); without them these
tests skip. Session fixtures start two servers on free loopback ports with one thread each, and
always stop them:

- `llama`: a ChatML template with Hermes-style `<tool_call>` tags (tests/support/llama/), which
  llama.cpp's template analyser recognises: tools are offered, text is plain. Every plain run.
- `llama_required`: the same template with assistant text wrapped in `<response>` tags, for which
  llama.cpp's grammar makes `tool_choice="required"` hold (the 135M model almost never calls a
  tool by itself). With the plain template, "required" lets the model write text until its
  token cap, and a named tool choice is ignored ("Wrong type supplied for parameter
  'tool_choice'"); see the template's comment. This server serves only "required" requests.

The model's words are not checked (it is a 135M model): what is checked is what the runner, the
client and the telemetry make of a real server's answers, token counts included.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI

from otel_agents import (
    Agent,
    ModelBehaviorError,
    ModelSettings,
    RawResponsesStreamEvent,
    Runner,
    function_tool,
)
from otel_agents.models import Model, OpenAIChatCompletionsModel, OpenAIResponsesModel
from support.llama_server import ALIAS, REQUIRED_TEMPLATE, TOOLS_TEMPLATE, LlamaServer, unavailable
from support.otlp_receiver import OTLPReceiver
from support.tracing_recorder import RecordingProcessor

REASON = unavailable()
pytestmark = [pytest.mark.integration, pytest.mark.skipif(REASON is not None, reason=REASON or "")]

APIS = ["responses", "chat_completions"]
REQUESTED = "gpt-4.1-mini"  # llama.cpp serves one model and ignores the requested name
API_KEY = "local-placeholder"  # llama.cpp checks none; the openai client insists on one
RUN_DEADLINE = 120.0  # a run here takes 1-3 s; generous for a loaded CI machine


@pytest.fixture(scope="session")
def llama() -> Iterator[LlamaServer]:
    with LlamaServer(TOOLS_TEMPLATE) as server:
        yield server


@pytest.fixture(scope="session")
def llama_required() -> Iterator[LlamaServer]:
    with LlamaServer(REQUIRED_TEMPLATE) as server:
        yield server


@pytest.fixture(params=APIS)
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def model_for(api: str, server: LlamaServer) -> Model:
    client = AsyncOpenAI(base_url=server.base_url, api_key=API_KEY, max_retries=0, timeout=60)
    if api == "responses":
        return OpenAIResponsesModel(REQUESTED, client)
    return OpenAIChatCompletionsModel(REQUESTED, client)


async def run(agent: Agent[Any], input: Any, streamed: bool, **kwargs: Any) -> Any:
    async def go() -> Any:
        if not streamed:
            return await Runner.run(agent, input, **kwargs)
        result = Runner.run_streamed(agent, input, **kwargs)
        async for _ in result.stream_events():
            pass
        return result

    return await asyncio.wait_for(go(), RUN_DEADLINE)


def check_generations(recorder: RecordingProcessor) -> None:
    """Every model call: the requested and the answering model, and the server's token counts."""
    generations = recorder.spans_of_type("generation")
    assert generations
    for span in generations:
        data = span.span_data
        assert (data.model, data.response_model) == (REQUESTED, ALIAS)
        assert data.usage is not None
        assert data.usage["input_tokens"] > 0 and data.usage["output_tokens"] > 0
    recorder.assert_well_formed()


STREAMED = pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])


# --- conversations ----------------------------------------------------------------------------


@STREAMED
async def test_a_multi_turn_chat(
    api: str, streamed: bool, llama: LlamaServer, recorder: RecordingProcessor
) -> None:
    agent = Agent(
        name="Chat", instructions="Answer in one short sentence.", model=model_for(api, llama)
    )
    first = await run(agent, "My name is Ada. Say hello to me.", streamed)
    assert isinstance(first.final_output, str) and first.final_output.strip()
    # The SDK's way to continue: the previous run's items, then the new message.
    history = [*first.to_input_list(), {"role": "user", "content": "What is my name?"}]
    second = await run(agent, history, streamed)
    assert isinstance(second.final_output, str) and second.final_output.strip()
    # A history written by hand, as plain role/content dicts (llama.cpp's /v1/responses wants
    # "type": "message" on each, which the runner adds).
    by_hand = [
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": first.final_output},
        {"role": "user", "content": "And what is my name?"},
    ]
    third = await run(agent, by_hand, streamed)
    assert isinstance(third.final_output, str) and third.final_output.strip()
    # The server counted the longer prompt: its real token counts reached the result.
    one, two = first.raw_responses[0].usage, second.raw_responses[0].usage
    assert two.input_tokens > one.input_tokens + one.output_tokens // 2
    check_generations(recorder)


# --- tool calls and handoffs, made by the model -----------------------------------------------


@function_tool
def get_weather(city: str) -> str:
    """Gets the current weather for a city.

    Args:
        city: The city's name.
    """
    return f"WEATHER-OK city={city!r}"


FORCED = ModelSettings(tool_choice="required", parallel_tool_calls=False, temperature=0.0)


@STREAMED
async def test_the_model_calls_a_tool_through_the_server(
    api: str, streamed: bool, llama_required: LlamaServer, recorder: RecordingProcessor
) -> None:
    agent = Agent(
        name="Weather",
        instructions="Use the tool to answer questions about the weather.",
        tools=[get_weather],
        model=model_for(api, llama_required),
        model_settings=FORCED,
        # "required" would make every turn call a tool again: the tool's result is the answer.
        tool_use_behavior="stop_on_first_tool",
    )
    result = await run(agent, "What is the weather in Paris?", streamed)
    # The arguments were written by the model (and parsed by llama.cpp from its output).
    assert str(result.final_output).startswith("WEATHER-OK city=")
    [call] = [i for i in result.new_items if i.type == "tool_call_item"][:1]
    assert json.loads(call.raw_item.arguments).keys() == {"city"}
    [function] = recorder.spans_of_type("function")[:1]
    assert function.span_data.name == "get_weather" and function.error is None
    check_generations(recorder)


@STREAMED
async def test_the_model_hands_off_through_the_server(
    api: str,
    streamed: bool,
    llama: LlamaServer,
    llama_required: LlamaServer,
    recorder: RecordingProcessor,
) -> None:
    accounts = Agent(
        name="Accounts",
        instructions="You help with passwords. Answer in one short sentence.",
        model=model_for(api, llama),
    )
    triage = Agent(
        name="Triage",
        instructions="Hand the user to the right agent.",
        handoffs=[accounts],
        model=model_for(api, llama_required),
        model_settings=FORCED,
    )
    result = await run(triage, "I forgot my password.", streamed)
    assert result.last_agent.name == "Accounts"
    assert isinstance(result.final_output, str) and result.final_output.strip()
    [handoff] = recorder.spans_of_type("handoff")
    assert (handoff.span_data.from_agent, handoff.span_data.to_agent) == ("Triage", "Accounts")
    assert [s.span_data.name for s in recorder.spans_of_type("agent")] == ["Triage", "Accounts"]
    check_generations(recorder)


@pytest.mark.parametrize("arguments", ['{"city": "Par', "Paris", '["Paris"]', ""])
async def test_a_history_with_malformed_tool_arguments_is_accepted(
    api: str, arguments: str, llama: LlamaServer, recorder: RecordingProcessor
) -> None:
    # What the history holds after a model sent broken arguments and the run told it so. Sent
    # verbatim, llama.cpp answers 500 "Failed to parse tool call arguments as JSON".
    history = [
        {"type": "message", "role": "user", "content": "What is the weather in Paris?"},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": arguments,
        },
        {
            "type": "function_call_output",
            "call_id": "call_1",
            "output": "An error occurred while running the tool. Please try again. Error: Tool "
            "'get_weather' was called with arguments that are not valid JSON.",
        },
    ]
    agent = Agent(
        name="Weather",
        instructions="Answer in one short sentence.",
        tools=[get_weather],
        model=model_for(api, llama),
        model_settings=ModelSettings(tool_choice="none"),
    )
    result = await run(agent, history, streamed=False)
    assert isinstance(result.final_output, str)
    check_generations(recorder)


# --- failures ----------------------------------------------------------------------------------


async def test_a_server_stopped_mid_stream_is_a_clear_error(
    api: str, recorder: RecordingProcessor
) -> None:
    with LlamaServer(TOOLS_TEMPLATE, n_predict=4000) as server:
        agent = Agent(name="Counter", instructions="Count.", model=model_for(api, server))
        result = Runner.run_streamed(agent, "Count from 1 to 1000, one number per line.")
        deltas = 0

        async def consume() -> None:
            nonlocal deltas
            async for event in result.stream_events():
                if isinstance(event, RawResponsesStreamEvent) and "delta" in event.data.type:
                    deltas += 1
                    if server.running:
                        server.stop()  # the connection is cut under the open stream

        with pytest.raises(ModelBehaviorError) as caught:
            await asyncio.wait_for(consume(), RUN_DEADLINE)
    assert deltas >= 1
    message = str(caught.value)
    assert "mid-stream" in message or "cut off" in message, message
    [generation] = recorder.spans_of_type("generation")
    assert generation.error is not None
    [agent_span] = recorder.spans_of_type("agent")
    assert agent_span.error is not None


# --- the seed's examples and the demo, configured by environment alone -------------------------


@pytest.fixture
def env_for(api: str, llama: LlamaServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "OPENAI_BASE_URL": llama.base_url,
        "OPENAI_API_KEY": API_KEY,
        "OTEL_AGENTS_OPENAI_API": api,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def test_seed_examples_run_against_the_server(
    env_for: dict[str, str], recorder: RecordingProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_seed_examples import example, run_example

    run_example(0)  # streamed story
    out = capsys.readouterr().out
    assert out.rstrip().endswith("[Handled by: Storyteller]") and len(out) > 40
    run_example(4)  # chat UI generator
    assert capsys.readouterr().out.rstrip().endswith("[Completed by Support]")
    run_example(5)  # trace configuration
    assert capsys.readouterr().out.strip()
    run_example(10)  # streaming and tracing together
    out = capsys.readouterr().out
    streamed = int(out.rsplit("[Tokens streamed: ", 1)[1].split("]")[0])
    assert streamed > 0
    ns = run_example(9)  # a tool with a custom span
    result = Runner.run_sync(ns["agent"], "Process document doc-7")
    assert isinstance(result.final_output, str)
    run_example(11)  # a flaky tool with max_turns
    assert capsys.readouterr().out.strip()
    names = {t.name for t in recorder.traces}
    assert {"customer_support", "chat_session"} <= names
    check_generations(recorder)

    async def fragments() -> None:
        accounts = Agent(name="Accounts", instructions="Fix accounts.")
        triage = Agent(name="Triage", instructions="Route.", handoffs=[accounts])
        for index in (1, 2, 3):
            ns = {"result": Runner.run_streamed(triage, input="Reset my password")}
            code = compile(
                example(index), "<fragment>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
            )
            await eval(code, ns)
            assert ns["result"].is_complete

    asyncio.run(fragments())


def run_cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "OTEL_"))}
    return subprocess.run(
        [sys.executable, "-m", "otel_agents", *argv],
        env={**clean, "COLUMNS": "160", **env},
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE,
    )


def test_the_demo_runs_against_the_server_and_exports_its_token_counts(
    env_for: dict[str, str], otlp_receiver: OTLPReceiver
) -> None:
    endpoint = otlp_receiver.http_endpoint
    done = run_cli("demo", "--no-stream", env={**env_for, "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})
    assert done.returncode in (0, 1), done.stderr  # 1: the run failed (the trace says why)
    assert f"via {env_for['OPENAI_BASE_URL']}" in done.stdout
    # The display names the model that answered, beside the one the demo asked for.
    assert f"{ALIAS} (requested {REQUESTED})" in done.stdout
    spans = otlp_receiver.wait_for_spans(
        lambda s: any(x.name.startswith("invoke_workflow") for x in s), timeout=10
    )
    chats = [s for s in spans if s.attributes.get("gen_ai.operation.name") == "chat"]
    assert chats
    for chat in chats:
        assert chat.attributes["gen_ai.request.model"] == REQUESTED
        assert chat.attributes["gen_ai.response.model"] == ALIAS
        assert chat.attributes["gen_ai.usage.input_tokens"] > 0


USER_SCRIPT = """
import asyncio, json, sys
from otel_agents import Agent, Runner

agent = Agent(name="Greeter", instructions="Answer in one short sentence.")

async def main():
    counts = []
    for streamed in (False, True):
        if streamed:
            result = Runner.run_streamed(agent, "Say hello.")
            async for _ in result.stream_events():
                pass
        else:
            result = await Runner.run(agent, "Say hello.")
        counts += [[r.usage.input_tokens, r.usage.output_tokens] for r in result.raw_responses]
    print(json.dumps(counts))

asyncio.run(main())
"""


def test_otlp_export_carries_the_servers_token_counts(
    env_for: dict[str, str], otlp_receiver: OTLPReceiver, tmp_path: Path
) -> None:
    script = tmp_path / "user_script.py"
    script.write_text(USER_SCRIPT)
    env = {**env_for, "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_receiver.http_endpoint}
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "OTEL_"))}
    done = subprocess.run(
        [sys.executable, str(script)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE,
    )
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(counts) == 2 and all(i > 0 and o > 0 for i, o in counts)
    spans = otlp_receiver.wait_for_spans(
        lambda s: sum(x.attributes.get("gen_ai.operation.name") == "chat" for x in s) >= 2,
        timeout=10,
    )
    chats = sorted(
        (s for s in spans if s.attributes.get("gen_ai.operation.name") == "chat"),
        key=lambda s: s.start_ns,
    )
    exported = [
        [s.attributes["gen_ai.usage.input_tokens"], s.attributes["gen_ai.usage.output_tokens"]]
        for s in chats
    ]
    assert exported == counts  # the counts llama.cpp reported, unchanged
    assert {s.attributes["gen_ai.response.model"] for s in chats} == {ALIAS}
    assert "Event loop is closed" not in done.stderr
