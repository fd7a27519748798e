"""What local OpenAI-compatible servers (llama.cpp, Ollama, vLLM, LM Studio) need from us, proved
against the local HTTP fixture, which rejects bad tool-call arguments in a history as llama.cpp
does and can answer under its own model name as they do. The same behaviours run against a real
llama.cpp server in tests/integration/test_llama_server.py.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from otel_agents import Agent, Runner, function_tool
from otel_agents.demo.trees import _model_name
from otel_agents.models import (
    Model,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    call_tool,
    say,
)
from otel_agents.models._openai_shared import replayable_arguments
from support.fake_openai import FakeOpenAI
from support.tracing_recorder import RecordingProcessor

APIS = ["responses", "chat_completions"]


def model_for(api: str, server: FakeOpenAI, name: str = "gpt-test") -> Model:
    client = server.client()
    if api == "responses":
        return OpenAIResponsesModel(name, client)
    return OpenAIChatCompletionsModel(name, client)


async def run(agent: Agent[Any], text: str, streamed: bool) -> Any:
    if not streamed:
        return await Runner.run(agent, text)
    result = Runner.run_streamed(agent, text)
    async for _ in result.stream_events():
        pass
    return result


def replayed_calls(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, arguments) of every tool call in a request's history, for either API."""
    if "messages" in body:
        return [
            (c["function"]["name"], c["function"]["arguments"])
            for m in body["messages"]
            for c in m.get("tool_calls") or ()
        ]
    return [(i["name"], i["arguments"]) for i in body["input"] if i.get("type") == "function_call"]


def tool_results(body: dict[str, Any]) -> list[str]:
    if "messages" in body:
        return [m["content"] for m in body["messages"] if m.get("role") == "tool"]
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]


@function_tool
def lookup(key: str) -> str:
    """Looks a key up.

    Args:
        key: The key.
    """
    return f"value-{key}"


@pytest.mark.parametrize("arguments", ['{"key": "a"', "not json", '["a"]', ""])
@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
@pytest.mark.parametrize("api", APIS)
async def test_malformed_tool_arguments_are_replayed_as_json_the_model_can_still_read(
    api: str, streamed: bool, arguments: str, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script([call_tool("lookup", arguments), say("done")])
    agent = Agent(name="Solo", tools=[lookup], model=model_for(api, fake_openai))
    result = await asyncio.wait_for(run(agent, "hi", streamed), timeout=20)
    # The fixture answers 500 to unparsable history arguments, as llama.cpp does: the run went on.
    assert result.final_output == "done"
    second = fake_openai.requests[1].body
    [(name, replayed)] = replayed_calls(second)
    assert name == "lookup"
    parsed = json.loads(replayed)
    assert isinstance(parsed, dict)
    if arguments.strip():
        # The model sees what it sent, and beside it the error its tool call got.
        assert parsed == {"invalid_arguments": arguments}
        [told] = tool_results(second)
        assert "lookup" in told and ("not valid JSON" in told or "not an object" in told)
    else:
        assert parsed == {}  # no arguments: the tool ran with none and failed on the missing key


def test_valid_arguments_are_replayed_untouched() -> None:
    text = '{"key":  "a", "n": 1.50}'
    assert replayable_arguments(text) is text


@pytest.mark.parametrize("api", APIS)
async def test_a_message_without_a_type_gets_one(api: str, fake_openai: FakeOpenAI) -> None:
    # llama.cpp's /v1/responses answers 400 to {"role": "assistant", "content": ...} alone.
    fake_openai.script([say("fine")])
    agent = Agent(name="Solo", model=model_for(api, fake_openai))
    history = [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "hi"},
        {"role": "user", "content": "how are you?"},
    ]
    result = await Runner.run(agent, history)  # type: ignore[arg-type]
    assert result.final_output == "fine"
    body = fake_openai.requests[0].body
    if api == "responses":
        assert [i.get("type") for i in body["input"]] == ["message"] * 3
        assert [i["role"] for i in body["input"]] == ["user", "assistant", "user"]
    else:
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]


def test_a_non_strict_tool_does_not_forbid_extra_arguments() -> None:
    @function_tool(strict_mode=False)
    def find(query: str, limit: int = 5) -> str:
        """Finds things."""
        return f"{query}:{limit}"

    schema = find.params_json_schema
    assert "additionalProperties" not in json.dumps(schema)
    assert schema["required"] == ["query"]  # not strict: the defaulted argument stays optional
    assert find.strict_json_schema is False


async def test_a_non_strict_tool_ignores_extra_arguments_and_strict_ones_reject_them(
    fake_openai: FakeOpenAI,
) -> None:
    @function_tool(strict_mode=False)
    def loose(query: str) -> str:
        """Loose."""
        return f"loose:{query}"

    @function_tool
    def tight(query: str) -> str:
        """Tight."""
        return f"tight:{query}"

    assert tight.params_json_schema["additionalProperties"] is False
    extra = {"query": "q", "unknown": 1}
    fake_openai.script([call_tool("loose", extra), call_tool("tight", extra), say("ok")])
    agent = Agent(
        name="Solo", tools=[loose, tight], model=model_for("chat_completions", fake_openai)
    )
    assert (await Runner.run(agent, "hi")).final_output == "ok"
    sent = {t["function"]["name"]: t["function"] for t in fake_openai.requests[0].body["tools"]}
    assert (
        sent["loose"]["strict"] is False
        and "additionalProperties" not in sent["loose"]["parameters"]
    )
    assert sent["tight"]["strict"] is True
    results = tool_results(fake_openai.requests[2].body)
    assert results[0] == "loose:q"
    assert "unknown" in results[1] and "tight" in results[1]  # the strict tool said no


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
@pytest.mark.parametrize("api", APIS)
async def test_the_model_that_answered_is_recorded_beside_the_requested_one(
    api: str, streamed: bool, fake_openai: FakeOpenAI, recorder: RecordingProcessor
) -> None:
    fake_openai.answer_as = "smollm2"
    fake_openai.script([say("hi")])
    agent = Agent(name="Solo", model=model_for(api, fake_openai, name="gpt-4.1-mini"))
    await asyncio.wait_for(run(agent, "hi", streamed), timeout=20)
    [generation] = recorder.spans_of_type("generation")
    assert generation.span_data.model == "gpt-4.1-mini"  # gen_ai.request.model
    assert generation.span_data.response_model == "smollm2"  # gen_ai.response.model
    label = _model_name(generation.span_data.export())
    assert label == "smollm2 (requested gpt-4.1-mini)"


def test_the_display_names_one_model_when_both_agree() -> None:
    assert _model_name({"model": "m", "response_model": "m"}) == "m"
    assert _model_name({"model": "m", "response_model": None}) == "m"
    assert _model_name({"model": None, "response_model": "r"}) == "r"
