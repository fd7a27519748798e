"""ScriptedModel: the offline model our tests, users' tests and the demo rely on."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseStreamEvent,
)

from otel_agents._naming import transfer_tool_name
from otel_agents.exceptions import ModelBehaviorError, UserError
from otel_agents.models import (
    ModelRequest,
    ScriptedModel,
    call_tool,
    fail,
    say,
    say_json,
    transfer_to,
    turn,
)
from otel_agents.models import scripted as scripted_module

REQUEST = ModelRequest(
    system_instructions="Be brief.", input=[{"role": "user", "content": "Hi there"}]
)
EVENT = pydantic.TypeAdapter(ResponseStreamEvent)

TEXT_EVENTS = [
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
]
CALL_EVENTS = [
    "response.output_item.added",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.output_item.done",
]


async def collect(model: ScriptedModel, request: ModelRequest = REQUEST) -> list[Any]:
    return [event async for event in model.stream_response(request)]


async def test_streamed_text_follows_the_responses_event_order() -> None:
    events = await collect(ScriptedModel(["Hello world"]))
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        *TEXT_EVENTS,
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    # Real event objects: each validates as a Responses stream event after a JSON round trip.
    for event in events:
        assert type(EVENT.validate_python(event.model_dump(mode="json"))) is type(event)


async def test_turn_streams_text_then_calls_as_separate_items() -> None:
    model = ScriptedModel([turn(say("Two calls"), call_tool("a", {"x": 1}), call_tool("b"))])
    events = await collect(model)
    one_arg_call = [t for t in CALL_EVENTS if t != "response.function_call_arguments.delta"]
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        *TEXT_EVENTS,
        *CALL_EVENTS,
        one_arg_call[0],
        "response.function_call_arguments.delta",
        *one_arg_call[1:],
        "response.completed",
    ]
    output = events[-1].response.output
    assert [type(item) for item in output] == [
        ResponseOutputMessage,
        ResponseFunctionToolCall,
        ResponseFunctionToolCall,
    ]
    assert [(o.name, o.arguments, o.call_id) for o in output[1:]] == [
        ("a", '{"x": 1}', "call_1"),
        ("b", "{}", "call_2"),
    ]
    added = [e.item for e in events if e.type == "response.output_item.added"]
    assert [getattr(i, "call_id", None) for i in added] == [None, "call_1", "call_2"]
    assert [e.output_index for e in events if e.type == "response.output_item.done"] == [0, 1, 2]


@pytest.mark.parametrize(
    "text",
    ["Hello world", "  leading and  double  spaces ", "line\nbreak\ttab", "", "   ", "日本語 です"],
    ids=["plain", "spaces", "newlines", "empty", "blank", "unicode"],
)
async def test_deltas_join_to_the_text(text: str) -> None:
    events = await collect(ScriptedModel([text]))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == text
    assert events[-1].response.output[0].content[0].text == text
    assert len(deltas) == max(1, len(text.split()))


@given(st.text(max_size=60))
def test_deltas_join_to_any_text(text: str) -> None:
    chunks = scripted_module._chunks(text)
    assert "".join(chunks) == text
    assert len(chunks) == len(text.split()) or text.isspace()


async def test_streamed_and_whole_responses_agree() -> None:
    script = [turn(say("Sure, calling"), call_tool("lookup", {"id": 7})), "Done now"]
    streamed, whole = ScriptedModel(script), ScriptedModel(script)
    for _ in script:
        completed = (await collect(streamed))[-1].response
        response = await whole.get_response(REQUEST)
        assert completed.output == response.output
        assert completed.id == response.response_id
        assert completed.usage.output_tokens == response.usage.output_tokens


async def test_ids_are_deterministic_per_instance() -> None:
    def ids(response: Any) -> list[str]:
        return [response.response_id, *(item.id for item in response.output)]

    first = [await ScriptedModel(["a", "b"]).get_response(REQUEST) for _ in range(2)]
    model = ScriptedModel(["a", "b"])
    assert ids(first[0]) == ids(first[1]) == ["resp_scripted_1", "msg_scripted_2"]
    await model.get_response(REQUEST)
    assert ids(await model.get_response(REQUEST)) == ["resp_scripted_3", "msg_scripted_4"]


@pytest.mark.parametrize(
    ("script", "expected"),
    [([], "has 0 steps and step 1"), (["a"], "has 1 step and step 2"), (["a", "b"], "step 3")],
    ids=["empty", "one", "two"],
)
async def test_exhausted_script_is_a_clear_user_error(script: list[str], expected: str) -> None:
    model = ScriptedModel(script, model_name="triage-model")
    for _ in script:
        await model.get_response(REQUEST)
    with pytest.raises(UserError, match=expected) as info:
        await model.get_response(REQUEST)
    assert "'triage-model'" in str(info.value) and "add steps" in str(info.value)
    with pytest.raises(UserError, match=expected):
        await collect(model)
    assert model.remaining_steps == 0


async def test_callable_step_answers_from_the_request() -> None:
    def echo_tool_output(request: ModelRequest) -> Any:
        last = request.input[-1]
        return say(f"The tool said {last['output']}")

    model = ScriptedModel([call_tool("weather", {"city": "Oslo"}), echo_tool_output])
    first = await model.get_response(REQUEST)
    call = first.output[0]
    assert isinstance(call, ResponseFunctionToolCall)
    history = [
        *REQUEST.input,
        call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": "rain"},
    ]
    second = await model.get_response(ModelRequest(None, history))
    assert second.output[0].content[0].text == "The tool said rain"
    assert [r.input for r in model.requests] == [REQUEST.input, history]


async def test_callable_step_returning_garbage_is_a_user_error() -> None:
    model = ScriptedModel([lambda request: 42])
    with pytest.raises(UserError, match="callable step"):
        await model.get_response(REQUEST)


def test_non_steps_in_the_script_are_rejected() -> None:
    with pytest.raises(UserError, match="is not a step"):
        ScriptedModel(["ok", 3])  # type: ignore[list-item]


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
async def test_fail_step_raises_the_exception(streamed: bool) -> None:
    model = ScriptedModel([fail(ModelBehaviorError("broken")), "recovered"])
    with pytest.raises(ModelBehaviorError, match="broken"):
        if streamed:
            await collect(model)
        else:
            await model.get_response(REQUEST)
    assert (await model.get_response(REQUEST)).output[0].content[0].text == "recovered"


async def test_usage_counts_words_unless_given() -> None:
    model = ScriptedModel(
        [
            "one two three",
            say("x y", input_tokens=100, output_tokens=7),
            turn(say("a b"), call_tool("f", {"k": "v"})),
        ]
    )
    counted = (await model.get_response(REQUEST)).usage
    # "Be brief." + "Hi there" = 4 words in; 3 words out.
    assert (counted.requests, counted.input_tokens, counted.output_tokens) == (1, 4, 3)
    assert counted.total_tokens == 7
    explicit = (await collect(model))[-1].response.usage
    assert (explicit.input_tokens, explicit.output_tokens, explicit.total_tokens) == (100, 7, 107)
    mixed = (await model.get_response(REQUEST)).usage
    assert mixed.output_tokens == 2 + 2  # two words, two argument chunks ('{"k": ' and '"v"}')


async def test_finish_reasons_follow_the_output() -> None:
    model = ScriptedModel(["text", call_tool("f"), transfer_to("Billing")])
    reasons = [(await model.get_response(REQUEST)).finish_reasons for _ in range(3)]
    assert reasons == [("stop",), ("tool_calls",), ("tool_calls",)]


@pytest.mark.parametrize(
    ("agent", "tool"),
    [
        ("Doc Processor", "transfer_to_doc_processor"),
        ("Billing", "transfer_to_billing"),
        ("R2-D2 v.2", "transfer_to_r2_d2_v_2"),
        ("Café", "transfer_to_caf_"),
    ],
    ids=["spaces", "single", "punctuation", "non-ascii"],
)
async def test_transfer_to_calls_the_handoff_tool(agent: str, tool: str) -> None:
    assert transfer_tool_name(agent) == tool
    assert scripted_module.transfer_tool_name is transfer_tool_name
    response = await ScriptedModel([transfer_to(agent)]).get_response(REQUEST)
    assert (response.output[0].name, response.output[0].arguments) == (tool, "{}")


async def test_string_arguments_are_sent_as_is() -> None:
    model = ScriptedModel([call_tool("f", '{"city": "Par', call_id="my-call")])
    events = await collect(model)
    call = events[-1].response.output[0]
    assert (call.arguments, call.call_id) == ('{"city": "Par', "my-call")
    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    assert "".join(deltas) == '{"city": "Par'


class Weather(pydantic.BaseModel):
    city: str
    degrees: int


@dataclasses.dataclass
class Point:
    x: int
    y: int


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (Weather(city="Oslo", degrees=3), {"city": "Oslo", "degrees": 3}),
        (Point(1, 2), {"x": 1, "y": 2}),
        ({"a": [1, 2]}, {"a": [1, 2]}),
    ],
    ids=["pydantic", "dataclass", "dict"],
)
async def test_say_json_replies_with_json_text(obj: Any, expected: Any) -> None:
    response = await ScriptedModel([say_json(obj)]).get_response(REQUEST)
    assert json.loads(response.output[0].content[0].text) == expected


async def test_chunk_delay_sleeps_between_deltas_only_when_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(scripted_module.asyncio, "sleep", fake_sleep)
    await collect(ScriptedModel(["one two three"]))
    assert slept == []
    await collect(ScriptedModel([turn(say("one two three"), call_tool("f"))], chunk_delay=0.01))
    assert slept == [0.01] * 4  # three words, one argument chunk
    assert asyncio.sleep is fake_sleep  # (the patch is undone after the test)


def test_model_attributes() -> None:
    model = ScriptedModel(["x"], model_name="demo")
    assert (model.model_name, model.provider_name, model.server_address) == (
        "demo",
        "scripted",
        None,
    )
    assert model.remaining_steps == 1
