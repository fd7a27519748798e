"""Pure mappings: ModelRequest -> request parameters, chat chunks -> Responses events."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from otel_agents.exceptions import ModelBehaviorError, UserError
from otel_agents.model_settings import ModelSettings
from otel_agents.models import ModelRequest, OutputSpec, ToolSpec
from otel_agents.models._chat_convert import (
    chat_params,
    model_response_from_completion,
    to_chat_messages,
)
from otel_agents.models.interface import ModelResponse, finish_reason_of
from otel_agents.models.openai_chat import ChatStreamConverter
from otel_agents.models.openai_responses import responses_params

TOOL = ToolSpec("get_weather", "Weather for a city.", {"type": "object", "properties": {}})
OUTPUT = OutputSpec("Weather", {"type": "object", "properties": {"city": {"type": "string"}}})


def chat_call(call_id: str, arguments: str) -> dict[str, Any]:
    function = {"name": "get_weather", "arguments": arguments}
    return {"id": call_id, "type": "function", "function": function}


def test_history_becomes_chat_messages() -> None:
    items: list[dict[str, Any]] = [
        {"role": "user", "content": "Weather in Oslo and Rome?"},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Checking both."}],
        },
        {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": '{"c":1}'},
        {"type": "function_call", "call_id": "c2", "name": "get_weather", "arguments": '{"c":2}'},
        {"type": "function_call_output", "call_id": "c1", "output": "rain"},
        {"type": "function_call_output", "call_id": "c2", "output": "sun"},
        {"type": "reasoning", "id": "r1", "summary": []},
        {"type": "function_call", "call_id": "c3", "name": "get_weather", "arguments": "{}"},
        {
            "type": "function_call_output",
            "call_id": "c3",
            "output": [{"type": "input_text", "text": "ok"}],
        },
        {"role": "developer", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "And"},
                {"type": "input_image", "image_url": "http://x/i.png"},
            ],
        },
    ]
    assert to_chat_messages("You forecast.", items) == [
        {"role": "system", "content": "You forecast."},
        {"role": "user", "content": "Weather in Oslo and Rome?"},
        {
            "role": "assistant",
            "content": "Checking both.",
            "tool_calls": [chat_call("c1", '{"c":1}'), chat_call("c2", '{"c":2}')],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "rain"},
        {"role": "tool", "tool_call_id": "c2", "content": "sun"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [chat_call("c3", "{}")],
        },
        {"role": "tool", "tool_call_id": "c3", "content": "ok"},
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "And"},
                {"type": "image_url", "image_url": {"url": "http://x/i.png", "detail": "auto"}},
            ],
        },
    ]


@pytest.mark.parametrize(
    "item",
    [
        {"type": "web_search_call", "id": "w"},
        {"role": "user", "content": [{"type": "input_audio"}]},
    ],
    ids=["item", "part"],
)
def test_what_chat_cannot_carry_is_a_user_error(item: dict[str, Any]) -> None:
    with pytest.raises(UserError, match="Chat Completions API cannot take"):
        to_chat_messages(None, [item])


FULL = ModelSettings(
    temperature=0.2, top_p=0.9, max_tokens=50, tool_choice="get_weather", parallel_tool_calls=False
)


def test_responses_params() -> None:
    request = ModelRequest("Be brief.", [{"role": "user", "content": "Hi"}], FULL, [TOOL], OUTPUT)
    assert responses_params("gpt-test", request) == {
        "model": "gpt-test",
        # A message without a type gets one: llama.cpp's /v1/responses requires it.
        "input": [{"type": "message", "role": "user", "content": "Hi"}],
        "instructions": "Be brief.",
        "tools": [
            {
                "type": "function",
                "name": "get_weather",
                "description": "Weather for a city.",
                "parameters": TOOL.parameters,
                "strict": True,
            }
        ],
        "text": {
            "format": {
                "type": "json_schema",
                "name": "Weather",
                "schema": OUTPUT.schema,
                "strict": True,
            }
        },
        "temperature": 0.2,
        "top_p": 0.9,
        "max_output_tokens": 50,
        "tool_choice": {"type": "function", "name": "get_weather"},
        "parallel_tool_calls": False,
    }


def test_chat_params() -> None:
    request = ModelRequest(None, [{"role": "user", "content": "Hi"}], FULL, [TOOL], OUTPUT)
    params = chat_params("gpt-test", request, stream=True)
    assert params == {
        "model": "gpt-test",
        "messages": [{"role": "user", "content": "Hi"}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Weather for a city.",
                    "parameters": TOOL.parameters,
                    "strict": True,
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "parallel_tool_calls": False,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "Weather", "schema": OUTPUT.schema, "strict": True},
        },
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 50,
        "stream_options": {"include_usage": True},
    }


@pytest.mark.parametrize(
    ("settings", "stream", "expected"),
    [
        (ModelSettings(), False, None),
        (ModelSettings(), True, {"include_usage": True}),
        (ModelSettings(include_usage=False), True, None),
    ],
    ids=["not-streamed", "streamed", "usage-off"],
)
def test_stream_options(settings: ModelSettings, stream: bool, expected: Any) -> None:
    params = chat_params("m", ModelRequest(None, [], settings), stream=stream)
    assert params.get("stream_options") == expected


@pytest.mark.parametrize("api", ["responses", "chat"], ids=["responses", "chat"])
def test_tool_settings_go_only_with_tools(api: str) -> None:
    request = ModelRequest(
        None, [], ModelSettings(tool_choice="required", parallel_tool_calls=True)
    )
    params = (
        responses_params("m", request)
        if api == "responses"
        else chat_params("m", request, stream=False)
    )
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & params.keys()
    with_tools = ModelRequest(None, [], request.settings, [TOOL])
    params = (
        responses_params("m", with_tools)
        if api == "responses"
        else chat_params("m", with_tools, stream=False)
    )
    assert (params["tool_choice"], params["parallel_tool_calls"]) == ("required", True)


# -- chat completions -> Responses vocabulary ------------------------------------------------------


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any
) -> ChatCompletionChunk:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    head = {"id": "cc1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    return ChatCompletionChunk.model_validate({**head, "choices": choices, **extra})


def convert(*chunks: ChatCompletionChunk) -> list[Any]:
    converter = ChatStreamConverter("m")
    events = [e for c in chunks for e in converter.feed(c)]
    return events + converter.finish()


def tool_delta(
    index: int, *, id: str | None = None, name: str | None = None, args: str | None = None
) -> dict[str, Any]:
    function = {k: v for k, v in (("name", name), ("arguments", args)) if v is not None}
    call = {"index": index, "id": id, "type": "function", "function": function}
    return {"tool_calls": [call]}


def test_tool_call_name_after_arguments_is_buffered() -> None:
    events = convert(
        chunk(tool_delta(0, id="c1", args='{"a"')),
        chunk(tool_delta(0, name="f", args=": 1}")),
        chunk({}, "tool_calls"),
    )
    added = [e for e in events if e.type == "response.output_item.added"]
    assert [(a.item.name, a.item.call_id) for a in added] == [("f", "c1")]
    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    assert deltas == ['{"a": 1}']  # the buffered piece and the one that came with the name
    assert events[-1].response.output[0].arguments == '{"a": 1}'


def test_interleaved_tool_calls_are_a_model_behavior_error() -> None:
    with pytest.raises(ModelBehaviorError, match="interleaving"):
        convert(
            chunk(tool_delta(0, id="c1", name="f", args="{")),
            chunk(tool_delta(1, id="c2", name="g", args="{")),
            chunk(tool_delta(0, args="}")),
        )


@pytest.mark.parametrize(
    ("chunks", "message"),
    [
        ([], "ended before its first chunk"),
        ([chunk({"content": "Hel"}), chunk({"content": "lo"})], "ended without a finish_reason"),
        (
            [chunk(tool_delta(0, id="c", args="{}")), chunk({}, "tool_calls")],
            "without a function name",
        ),
    ],
    ids=["no-chunks", "no-finish-reason", "nameless-call"],
)
def test_incomplete_streams_are_model_behavior_errors(chunks: list[Any], message: str) -> None:
    with pytest.raises(ModelBehaviorError, match=message):
        convert(*chunks)


@pytest.mark.parametrize(
    ("finish", "reason"),
    [("stop", "stop"), ("length", "length"), ("content_filter", "content_filter")],
    ids=["stop", "length", "content-filter"],
)
def test_finish_reason_survives_the_conversion(finish: str, reason: str) -> None:
    events = convert(chunk({"content": "Hi"}), chunk({}, finish))
    assert finish_reason_of(events[-1].response) == reason


def test_refusal_and_usage_chunk() -> None:
    usage = {
        "prompt_tokens": 11,
        "completion_tokens": 5,
        "total_tokens": 16,
        "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 2},
    }
    events = convert(chunk({"refusal": "No."}, "stop"), chunk(None, usage=usage))
    assert [e.type for e in events if "refusal" in e.type] == [
        "response.refusal.delta",
        "response.refusal.done",
    ]
    result = ModelResponse.from_response(events[-1].response)
    assert result.output[0].content[0].refusal == "No."
    assert (result.usage.input_tokens, result.usage.output_tokens) == (11, 5)
    assert (result.usage.cached_input_tokens, result.usage.reasoning_tokens) == (4, 2)


def test_empty_completion_still_is_a_message() -> None:
    events = convert(chunk({"role": "assistant"}), chunk({}, "stop"))
    assert events[-1].response.output[0].content[0].text == ""
    choice = {"index": 0, "message": {"role": "assistant"}, "finish_reason": "stop"}
    completion = ChatCompletion.model_validate(
        {"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": [choice]}
    )
    assert model_response_from_completion(completion, "m").output[0].content[0].text == ""


def test_completion_without_choices_is_a_model_behavior_error() -> None:
    completion = ChatCompletion.model_validate(
        {"id": "c", "object": "chat.completion", "created": 1, "model": "m", "choices": []}
    )
    with pytest.raises(ModelBehaviorError, match="no choices"):
        model_response_from_completion(completion, "m")
