"""The agent loop through the public API, on the scripted model."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from otel_agents import (
    Agent,
    AgentUpdatedStreamEvent,
    GuardrailFunctionOutput,
    HandoffInputData,
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    ModelBehaviorError,
    ModelSettings,
    OutputGuardrailTripwireTriggered,
    RawResponsesStreamEvent,
    RunConfig,
    RunContextWrapper,
    RunItemStreamEvent,
    Runner,
    ScriptedModel,
    UserError,
    function_tool,
    handoff,
    input_guardrail,
    output_guardrail,
)
from otel_agents.models.scripted import call_tool, say, say_json, transfer_to, turn


@function_tool
def lookup(order_id: str) -> str:
    """Looks up an order.

    Args:
        order_id: The order's id.
    """
    return f"order {order_id}: shipped"


def triage_pair(model: ScriptedModel) -> tuple[Agent[Any], Agent[Any]]:
    support = Agent(name="Support Agent", instructions="Solve it.", tools=[lookup], model=model)
    triage = Agent(name="Triage", instructions="Route.", handoffs=[support], model=model)
    return triage, support


async def test_plain_reply() -> None:
    agent = Agent(name="Helper", instructions="Be helpful.", model=ScriptedModel(["Hello there"]))
    result = await Runner.run(agent, "Hello")
    assert result.final_output == "Hello there"
    assert result.last_agent is agent
    assert [i.type for i in result.new_items] == ["message_output_item"]
    assert result.usage.requests == 1


def test_run_sync() -> None:
    agent = Agent(name="Helper", model=ScriptedModel(["Hi"]))
    assert Runner.run_sync(agent, "Hello").final_output == "Hi"


async def test_run_sync_inside_a_loop_says_to_await() -> None:
    agent = Agent(name="Helper", model=ScriptedModel(["Hi"]))
    with pytest.raises(UserError, match="await Runner.run"):
        Runner.run_sync(agent, "Hello")


async def test_handoff_moves_the_conversation_and_sets_last_agent() -> None:
    model = ScriptedModel(
        [
            transfer_to("Support Agent"),
            call_tool("lookup", {"order_id": "42"}),
            "Your order shipped.",
        ]
    )
    triage, support = triage_pair(model)
    result = await Runner.run(triage, "Where is order 42?")
    assert result.final_output == "Your order shipped."
    assert result.last_agent is support
    assert [i.type for i in result.new_items] == [
        "handoff_call_item",
        "handoff_output_item",
        "tool_call_item",
        "tool_call_output_item",
        "message_output_item",
    ]
    handoff_item = result.new_items[1]
    assert handoff_item.source_agent is triage and handoff_item.target_agent is support
    # The handoff tool is named after the agent in snake case.
    assert result.new_items[0].raw_item.name == "transfer_to_support_agent"


async def test_streamed_events_in_order() -> None:
    model = ScriptedModel(
        [transfer_to("Support Agent"), call_tool("lookup", {"order_id": "7"}), "It shipped today."]
    )
    triage, support = triage_pair(model)
    result = Runner.run_streamed(triage, "Where is order 7?")
    assert not result.is_complete
    seen: list[str] = []
    text = ""
    async for event in result.stream_events():
        if isinstance(event, AgentUpdatedStreamEvent):
            seen.append(f"agent:{event.new_agent.name}")
        elif isinstance(event, RunItemStreamEvent):
            seen.append(f"{event.name}:{event.item.type}")
        elif (
            isinstance(event, RawResponsesStreamEvent)
            and event.data.type == "response.output_text.delta"
        ):
            text += event.data.delta
    assert seen == [
        "agent:Triage",
        "handoff_requested:handoff_call_item",
        "handoff_occured:handoff_output_item",
        "agent:Support Agent",
        "tool_called:tool_call_item",
        "tool_output:tool_call_output_item",
        "message_output_created:message_output_item",
    ]
    assert text == "It shipped today."
    assert result.is_complete
    assert result.final_output == "It shipped today."
    assert result.last_agent is support and result.current_agent is support


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
async def test_usage_is_summed_over_model_calls(streamed: bool) -> None:
    model = ScriptedModel(
        [
            call_tool("lookup", {"order_id": "1"}),
            say("done", input_tokens=100, output_tokens=7),
        ]
    )
    agent = Agent(name="A", tools=[lookup], model=model)
    if streamed:
        result: Any = Runner.run_streamed(agent, "go")
        async for _ in result.stream_events():
            pass
    else:
        result = await Runner.run(agent, "go")
    assert result.usage.requests == 2
    assert result.usage.input_tokens > 100
    assert result.usage.output_tokens >= 7
    assert result.usage.total_tokens == result.usage.input_tokens + result.usage.output_tokens


@pytest.mark.parametrize("in_parallel", [False, True], ids=["blocking", "parallel"])
async def test_input_guardrail_tripwire_stops_the_run(in_parallel: bool) -> None:
    @input_guardrail(run_in_parallel=in_parallel)
    def no_homework(ctx: RunContextWrapper[Any], agent: Agent[Any], input: Any) -> Any:
        return GuardrailFunctionOutput(output_info={"why": "homework"}, tripwire_triggered=True)

    @function_tool
    def solve() -> str:
        """Solve."""
        raise AssertionError("a tool ran after the tripwire fired")

    model = ScriptedModel([call_tool("solve", {})])
    agent = Agent(name="A", input_guardrails=[no_homework], tools=[solve], model=model)
    with pytest.raises(InputGuardrailTripwireTriggered) as info:
        await Runner.run(agent, "solve my homework")
    assert info.value.guardrail_result.output.output_info == {"why": "homework"}
    assert info.value.run_data is not None and info.value.run_data.new_items == []
    # Blocking: the model is never called; parallel (the SDK's default): it was, but its
    # response is dropped.
    assert model.remaining_steps == (0 if in_parallel else 1)


async def test_output_guardrail_tripwire_and_passing_results() -> None:
    @output_guardrail
    async def no_secrets(ctx: RunContextWrapper[Any], agent: Agent[Any], output: Any) -> Any:
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered="secret" in output)

    agent = Agent(name="A", output_guardrails=[no_secrets], model=ScriptedModel(["the secret"]))
    with pytest.raises(OutputGuardrailTripwireTriggered, match="no_secrets"):
        await Runner.run(agent, "tell me")

    agent = Agent(name="A", output_guardrails=[no_secrets], model=ScriptedModel(["fine"]))
    result = await Runner.run(agent, "tell me")
    assert [r.output.tripwire_triggered for r in result.output_guardrail_results] == [False]


async def test_streamed_run_reraises_after_the_events_already_produced() -> None:
    model = ScriptedModel([call_tool("lookup", {"order_id": "1"})] * 3)
    agent = Agent(name="Loop", tools=[lookup], model=model)
    result = Runner.run_streamed(agent, "go", max_turns=2)
    names: list[str] = []
    with pytest.raises(MaxTurnsExceeded, match=r"Max turns \(2\)"):
        async for event in result.stream_events():
            if isinstance(event, RunItemStreamEvent):
                names.append(event.name)
    assert names == ["tool_called", "tool_output"] * 2
    assert result.is_complete


async def test_max_turns() -> None:
    model = ScriptedModel([call_tool("lookup", {"order_id": "1"})] * 5)
    with pytest.raises(MaxTurnsExceeded, match="'Loop'"):
        await Runner.run(Agent(name="Loop", tools=[lookup], model=model), "go", max_turns=3)


class Weather(BaseModel):
    city: str
    celsius: float


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Person(TypedDict):
    name: str


@pytest.mark.parametrize(
    ("output_type", "payload", "expected"),
    [
        pytest.param(
            Weather,
            {"city": "Oslo", "celsius": 3.5},
            Weather(city="Oslo", celsius=3.5),
            id="pydantic",
        ),
        pytest.param(Point, {"x": 1, "y": 2}, Point(1, 2), id="dataclass"),
        pytest.param(Person, {"name": "Ada"}, {"name": "Ada"}, id="typeddict"),
        pytest.param(list[int], {"response": [1, 2]}, [1, 2], id="wrapped-list"),
    ],
)
async def test_structured_output(output_type: Any, payload: Any, expected: Any) -> None:
    model = ScriptedModel([say_json(payload)])
    agent = Agent(name="S", output_type=output_type, model=model)
    result = await Runner.run(agent, "go")
    assert result.final_output == expected


async def test_invalid_structured_output_is_a_model_behavior_error() -> None:
    agent = Agent(name="S", output_type=Weather, model=ScriptedModel(['{"city": 1}']))
    with pytest.raises(ModelBehaviorError, match="'S'.*not a valid Weather"):
        await Runner.run(agent, "go")


async def test_unknown_tool_names_the_tool_and_the_agent() -> None:
    agent = Agent(name="A", tools=[lookup], model=ScriptedModel([call_tool("nope", {})]))
    with pytest.raises(ModelBehaviorError, match="'A'.*'nope'.*lookup"):
        await Runner.run(agent, "go")


async def test_stop_on_first_tool() -> None:
    model = ScriptedModel([call_tool("lookup", {"order_id": "9"})])
    agent = Agent(name="A", tools=[lookup], model=model, tool_use_behavior="stop_on_first_tool")
    assert (await Runner.run(agent, "go")).final_output == "order 9: shipped"


async def test_parallel_tool_calls_in_one_turn() -> None:
    model = ScriptedModel(
        [
            turn(call_tool("lookup", {"order_id": "1"}), call_tool("lookup", {"order_id": "2"})),
            "both",
        ]
    )
    result = await Runner.run(Agent(name="A", tools=[lookup], model=model), "go")
    outputs = [i.output for i in result.new_items if i.type == "tool_call_output_item"]
    assert outputs == ["order 1: shipped", "order 2: shipped"]


async def test_multi_turn_with_to_input_list() -> None:
    def echo_history(request: Any) -> str:
        return f"{len(request.input)} items"

    agent = Agent(name="Chat", model=ScriptedModel(["first", echo_history]))
    first = await Runner.run(agent, "hello")
    history = first.to_input_list()
    assert history[0] == {"role": "user", "content": "hello"}
    second = await Runner.run(agent, [*history, {"role": "user", "content": "again"}])
    assert second.final_output == "3 items"


async def test_instructions_callable_sync_and_async() -> None:
    seen: list[str | None] = []

    def record(request: Any) -> str:
        seen.append(request.system_instructions)
        return "ok"

    async def instructions(ctx: RunContextWrapper[str], agent: Agent[str]) -> str:
        return f"You help {ctx.context} as {agent.name}."

    await Runner.run(
        Agent(name="A", instructions=instructions, model=ScriptedModel([record])),
        "x",
        context="Ada",
    )
    await Runner.run(
        Agent(name="B", instructions=lambda ctx, a: "sync", model=ScriptedModel([record])), "x"
    )
    assert seen == ["You help Ada as A.", "sync"]


async def test_handoff_object_callback_filter_and_name_override() -> None:
    called: list[str] = []
    model = ScriptedModel([call_tool("escalate", {}), lambda r: say(str(len(r.input)))])
    support = Agent(name="Support", model=model)

    def drop_history(data: HandoffInputData) -> HandoffInputData:
        return data.clone(input_history=(), pre_handoff_items=())

    triage = Agent(
        name="Triage",
        model=model,
        handoffs=[
            handoff(
                support,
                tool_name_override="escalate",
                on_handoff=lambda ctx: called.append("handoff"),
                input_filter=drop_history,
            )
        ],
    )
    result = await Runner.run(triage, "help")
    assert called == ["handoff"]
    # Support sees only the handoff call and its output.
    assert result.final_output == "2"


async def test_model_settings_resolve_run_config_over_agent() -> None:
    seen: list[ModelSettings] = []

    def record(request: Any) -> str:
        seen.append(request.settings)
        return "ok"

    agent = Agent(
        name="A",
        model_settings=ModelSettings(temperature=0.2, max_tokens=50),
        model=ScriptedModel([record]),
    )
    await Runner.run(
        agent, "x", run_config=RunConfig(model_settings=ModelSettings(temperature=0.9))
    )
    assert seen == [ModelSettings(temperature=0.9, max_tokens=50)]


async def test_run_config_model_overrides_agent_model() -> None:
    agent = Agent(name="A", model=ScriptedModel(["agent"]))
    result = await Runner.run(agent, "x", run_config=RunConfig(model=ScriptedModel(["config"])))
    assert result.final_output == "config"


async def test_cancel_ends_the_stream_quietly_and_no_task_is_left() -> None:
    model = ScriptedModel(["word " * 50], chunk_delay=0.001)
    result = Runner.run_streamed(Agent(name="A", model=model), "go")
    count = 0
    async for _event in result.stream_events():
        count += 1
        if count == 5:
            result.cancel()
    assert result.is_complete
    assert result.final_output is None
    assert result._task is not None and result._task.done()


async def test_breaking_out_of_the_stream_cancels_the_run() -> None:
    model = ScriptedModel(["word " * 200], chunk_delay=0.001)
    result = Runner.run_streamed(Agent(name="A", model=model), "go")
    async for _event in result.stream_events():
        break
    await asyncio.sleep(0)  # let the generator's finalizer run
    assert result._task is not None
    await asyncio.wait_for(asyncio.shield(result._task), timeout=5)
    assert result.is_complete and result.final_output is None


def test_bad_arguments_are_user_errors() -> None:
    with pytest.raises(UserError, match="max_turns"):
        Runner.run_sync(Agent(name="A", model=ScriptedModel(["x"])), "x", max_turns=0)
    with pytest.raises(UserError, match="Agent"):
        Runner.run_sync("not an agent", "x")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="tool_use_behavior"):
        Agent(name="A", tool_use_behavior="sometimes")  # type: ignore[arg-type]
