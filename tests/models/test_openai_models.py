"""Both OpenAI models through the real `openai` client against the local fake server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import openai
import pytest

from otel_agents.exceptions import ModelBehaviorError
from otel_agents.model_settings import ModelSettings
from otel_agents.models import (
    Model,
    ModelRequest,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    OutputSpec,
    ScriptedModel,
    ToolSpec,
    call_tool,
    say,
    turn,
)
from otel_agents.models.interface import finish_reason_of

T = TypeVar("T")
DEADLINE = 10.0  # seconds; every server interaction runs under it, so a hang fails the test
API_KEY = "sk-test-secret"
REQUEST = ModelRequest("Be brief.", [{"role": "user", "content": "Hi there"}])
TOOL = ToolSpec(
    "get_weather",
    "Weather for a city.",
    {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
)
APIS = {
    "responses": (OpenAIResponsesModel, "/v1/responses"),
    "chat": (OpenAIChatCompletionsModel, "/v1/chat/completions"),
}


async def deadline(awaitable: Awaitable[T]) -> T:
    return await asyncio.wait_for(awaitable, DEADLINE)


async def collect(model: Model, request: ModelRequest = REQUEST) -> list[Any]:
    async def run() -> list[Any]:
        return [event async for event in model.stream_response(request)]

    return await deadline(run())


@pytest.fixture(params=list(APIS), ids=list(APIS))
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def client(fake_openai: Any) -> AsyncIterator[openai.AsyncOpenAI]:
    client = fake_openai.client()
    yield client
    await client.close()


def make_model(api: str, client: openai.AsyncOpenAI) -> Model:
    return APIS[api][0]("gpt-test", client)


async def test_text_reply(api: str, fake_openai: Any, client: openai.AsyncOpenAI) -> None:
    fake_openai.script(["Hello from the server"])
    response = await deadline(make_model(api, client).get_response(REQUEST))
    assert response.output[0].content[0].text == "Hello from the server"
    assert (response.model, response.finish_reasons) == ("gpt-test", ("stop",))
    assert response.response_id
    assert [r.path for r in fake_openai.requests] == [APIS[api][1]]


async def test_tool_calls_whole(api: str, fake_openai: Any, client: openai.AsyncOpenAI) -> None:
    fake_openai.script([turn(call_tool("get_weather", {"city": "Oslo"}), call_tool("noop"))])
    response = await deadline(make_model(api, client).get_response(REQUEST))
    calls = [(o.type, o.name, o.arguments, o.call_id) for o in response.output]
    assert calls == [
        ("function_call", "get_weather", '{"city": "Oslo"}', "call_1"),
        ("function_call", "noop", "{}", "call_2"),
    ]
    assert response.finish_reasons == ("tool_calls",)


@pytest.mark.parametrize(
    "step",
    [
        say("It is sunny in Oslo today"),
        turn(say("Checking both"), call_tool("get_weather", {"city": "Oslo"}), call_tool("noop")),
        say(""),
    ],
    ids=["text", "text-and-calls", "empty"],
)
async def test_stream_is_the_scripted_models_event_sequence(
    api: str, fake_openai: Any, client: openai.AsyncOpenAI, step: Any
) -> None:
    fake_openai.script([step])
    events = await collect(make_model(api, client))
    expected = await collect(ScriptedModel([step]))
    assert [e.type for e in events] == [e.type for e in expected]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text_deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert text_deltas == [e.delta for e in expected if e.type == "response.output_text.delta"]
    final, scripted = events[-1].response, expected[-1].response
    assert [o.type for o in final.output] == [o.type for o in scripted.output]
    assert final.output_text == scripted.output_text
    calls = [(o.name, o.arguments, o.call_id) for o in final.output if o.type == "function_call"]
    assert calls == [
        (o.name, o.arguments, o.call_id) for o in scripted.output if o.type == "function_call"
    ]


async def test_request_shape(api: str, fake_openai: Any, client: openai.AsyncOpenAI) -> None:
    fake_openai.script(['{"city": "Oslo"}'] * 2)
    settings = ModelSettings(temperature=0.1, top_p=0.5, max_tokens=64, tool_choice="required")
    output = OutputSpec("Forecast", {"type": "object", "properties": {"city": {"type": "string"}}})
    request = ModelRequest("Be brief.", REQUEST.input, settings, [TOOL], output)
    model = make_model(api, client)
    await deadline(model.get_response(request))
    await collect(model, request)
    whole, streamed = fake_openai.bodies()
    assert "stream" not in whole or whole["stream"] is False
    assert streamed["stream"] is True
    for body in (whole, streamed):
        assert body["model"] == "gpt-test"
        assert (body["temperature"], body["top_p"], body["tool_choice"]) == (0.1, 0.5, "required")
        if api == "responses":
            assert body["instructions"] == "Be brief."
            assert body["input"] == [{"type": "message", "role": "user", "content": "Hi there"}]
            assert body["tools"] == [
                {
                    "type": "function",
                    "name": "get_weather",
                    "description": "Weather for a city.",
                    "parameters": TOOL.parameters,
                    "strict": True,
                }
            ]
            assert body["text"]["format"] == {
                "type": "json_schema",
                "name": "Forecast",
                "schema": output.schema,
                "strict": True,
            }
            assert body["max_output_tokens"] == 64
        else:
            assert body["messages"] == [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hi there"},
            ]
            assert body["tools"][0]["function"]["name"] == "get_weather"
            assert body["response_format"]["json_schema"]["name"] == "Forecast"
            assert body["max_tokens"] == 64
    if api == "chat":
        assert "stream_options" not in whole
        assert streamed["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
async def test_usage(
    api: str, streamed: bool, fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.usage_details = {"cached_tokens": 3, "reasoning_tokens": 2}
    fake_openai.script([say("one two three", input_tokens=40, output_tokens=9)])
    model = make_model(api, client)
    if streamed:
        from otel_agents.models import ModelResponse

        response = ModelResponse.from_response((await collect(model))[-1].response)
    else:
        response = await deadline(model.get_response(REQUEST))
    u = response.usage
    assert (u.requests, u.input_tokens, u.output_tokens, u.total_tokens) == (1, 40, 9, 49)
    assert (u.cached_input_tokens, u.reasoning_tokens) == (3, 2)


async def test_chat_stream_without_usage(fake_openai: Any, client: openai.AsyncOpenAI) -> None:
    fake_openai.script(["no usage here"])
    request = ModelRequest(None, REQUEST.input, ModelSettings(include_usage=False))
    events = await collect(OpenAIChatCompletionsModel("gpt-test", client), request)
    assert "stream_options" not in fake_openai.bodies()[0]
    assert events[-1].type == "response.completed" and events[-1].response.usage is None


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
async def test_server_error_then_success_is_retried(
    api: str, streamed: bool, fake_openai: Any
) -> None:
    fake_openai.script(["after the retry"])
    fake_openai.fail_next(1, 500, retry_after="0.01")
    client = fake_openai.client(max_retries=2)
    try:
        model = make_model(api, client)
        if streamed:
            text = (await collect(model))[-1].response.output_text
        else:
            text = (await deadline(model.get_response(REQUEST))).output[0].content[0].text
    finally:
        await client.close()
    assert text == "after the retry"
    first, second = fake_openai.requests
    assert first.body == second.body
    assert second.headers.get("x-stainless-retry-count") == "1"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, openai.InternalServerError),
        (429, openai.RateLimitError),
        (401, openai.AuthenticationError),
    ],
    ids=["500", "429", "401"],
)
async def test_http_errors_pass_through_unchanged(
    api: str, status: int, error: type[Exception], fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script(["never sent"])
    fake_openai.fail_next(2, status)
    model = make_model(api, client)
    with pytest.raises(error):
        await deadline(model.get_response(REQUEST))
    with pytest.raises(error):
        await collect(model)
    assert len(fake_openai.requests) == 2  # max_retries=0: no retry


async def test_rate_limit_waits_for_retry_after(api: str, fake_openai: Any) -> None:
    fake_openai.script(["finally"])
    fake_openai.fail_next(1, 429, retry_after="0.2")
    client = fake_openai.client(max_retries=1)
    try:
        response = await deadline(make_model(api, client).get_response(REQUEST))
    finally:
        await client.close()
    assert response.output[0].content[0].text == "finally"
    first, second = fake_openai.requests
    assert second.received_at - first.received_at >= 0.19


async def test_malformed_sse_is_a_model_behavior_error(
    api: str, fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script(["a few words to stream"])
    fake_openai.break_next_stream("malformed")
    with pytest.raises(ModelBehaviorError, match="malformed server-sent event"):
        await collect(make_model(api, client))


async def test_dropped_connection_is_a_clear_error(
    api: str, fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script(["a few words to stream", "next"])
    fake_openai.break_next_stream("drop")
    model = make_model(api, client)
    with pytest.raises(ModelBehaviorError, match="connection dropped mid-stream") as info:
        await collect(model)
    assert isinstance(info.value.__cause__, openai.APIConnectionError)
    assert (await collect(model))[-1].response.output_text == "next"  # the client recovers


@pytest.mark.parametrize("streamed_text", ["a few words", ""], ids=["text", "empty"])
async def test_stream_without_terminal_event_is_a_model_behavior_error(
    api: str, streamed_text: str, fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script([streamed_text])
    fake_openai.break_next_stream("no_terminal")
    expected = "without response.completed" if api == "responses" else "without a finish_reason"
    with pytest.raises(ModelBehaviorError, match=expected):
        await collect(make_model(api, client))


async def test_responses_incomplete_becomes_completed_with_its_reason(
    fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script(["cut short"])
    fake_openai.break_next_stream("incomplete")
    events = await collect(OpenAIResponsesModel("gpt-test", client))
    assert events[-1].type == "response.completed"
    assert finish_reason_of(events[-1].response) == "length"


async def test_responses_failed_is_a_model_behavior_error(
    fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script(["doomed"])
    fake_openai.break_next_stream("failed")
    with pytest.raises(ModelBehaviorError, match="server_error: boom"):
        await collect(OpenAIResponsesModel("gpt-test", client))


async def test_stopping_a_stream_early_frees_the_connection(
    api: str, fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script(["many words " * 50, "second"])
    model = make_model(api, client)

    async def first_delta() -> str:
        stream = model.stream_response(REQUEST)
        try:
            async for event in stream:
                if event.type == "response.output_text.delta":
                    return str(event.delta)
        finally:
            await stream.aclose()  # type: ignore[attr-defined]
        raise AssertionError("no delta")

    assert await deadline(first_delta()) == "many "
    assert (await collect(model))[-1].response.output_text == "second"


async def test_streamed_calls_reuse_one_connection(
    api: str, fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    # The Responses model stops at response.completed; the body's end is read all the same, or
    # each call would open a connection (a TLS handshake per call against a real server).
    fake_openai.script(["one", call_tool("get_weather", {"city": "Oslo"}), "three"])
    model = make_model(api, client)
    for _ in range(3):
        assert (await collect(model))[-1].type == "response.completed"
    assert len({r.client_port for r in fake_openai.requests}) == 1


async def test_a_server_lingering_after_the_terminal_event_costs_only_a_connection(
    fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script(["held open", "next"])
    fake_openai.break_next_stream("linger")
    model = OpenAIResponsesModel("gpt-test", client)
    assert (await collect(model))[-1].response.output_text == "held open"
    assert (await collect(model))[-1].response.output_text == "next"
    first, second = fake_openai.requests
    assert first.client_port != second.client_port  # the lingering connection was not reused


async def test_api_key_only_in_the_authorization_header(
    api: str, fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script(["text", call_tool("get_weather", {"city": "Oslo"})])
    model = make_model(api, client)
    seen: list[Any] = [model.__dict__, await deadline(model.get_response(REQUEST))]
    seen += await collect(model)
    fake_openai.fail_next(1, 500)
    with pytest.raises(openai.InternalServerError) as info:
        await deadline(model.get_response(REQUEST))
    seen += [info.value, info.value.body]
    assert API_KEY not in "".join(repr(x) + str(x) for x in seen)
    assert len(fake_openai.requests) == 3
    for recorded in fake_openai.requests:
        assert recorded.headers["authorization"] == f"Bearer {API_KEY}"
        others = {k: v for k, v in recorded.headers.items() if k != "authorization"}
        assert API_KEY not in repr(others)
        assert API_KEY.encode() not in recorded.raw


def test_server_attributes(api: str, fake_openai: Any) -> None:
    model = make_model(api, fake_openai.client())
    port = int(fake_openai.base_url.rsplit(":", 1)[1].split("/")[0])
    assert (model.server_address, model.server_port) == ("127.0.0.1", port)
    assert (model.provider_name, model.model_name) == ("openai", "gpt-test")
    https = make_model(api, openai.AsyncOpenAI(api_key="x", base_url="https://api.openai.com/v1"))
    assert (https.server_address, https.server_port) == ("api.openai.com", 443)


async def test_exhausted_server_script_is_a_bad_request(
    api: str, fake_openai: Any, client: openai.AsyncOpenAI
) -> None:
    fake_openai.script([])
    with pytest.raises(openai.BadRequestError, match="add steps"):
        await deadline(make_model(api, client).get_response(REQUEST))
