"""cancel(), terminal stream failures and guardrails: the same snippet on the upstream SDK and on
otel_agents gives the same outcome."""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

from compat._both import call, msg, outcome, same, scripted


async def test_cancel_before_iterating_ends_the_stream_at_once() -> None:
    async def snippet(m: ModuleType) -> Any:
        result = m.Runner.run_streamed(m.Agent(name="A", model=scripted(m, [[msg("a b c")]])), "go")
        result.cancel()
        events = [e.type async for e in result.stream_events()]
        return (events, result.is_complete)

    assert await same(snippet) == ([], True)


async def test_cancel_at_the_second_event_drops_the_rest_and_raises_nothing() -> None:
    async def snippet(m: ModuleType) -> Any:
        @m.function_tool
        def fail() -> str:
            """Fail."""
            raise RuntimeError("never reached")

        agent = m.Agent(name="A", model=scripted(m, [[msg("one two three four five six")]]))
        result = m.Runner.run_streamed(agent, "go")
        seen = []
        async for event in result.stream_events():
            seen.append(event.type)
            if len(seen) == 2:
                result.cancel()
        await asyncio.sleep(0)
        return (seen, result.is_complete, result.final_output)

    assert await same(snippet) == (
        ["agent_updated_stream_event", "raw_response_event"],
        True,
        None,
    )


async def test_cancel_after_turn_finishes_the_turn_and_its_tools_then_stops() -> None:
    async def snippet(m: ModuleType) -> Any:
        ran = []

        @m.function_tool
        def work() -> str:
            """Work."""
            ran.append("work")
            return "worked"

        model = scripted(m, [[msg("calling"), call("work", {}, "c1")], [msg("never")]])
        result = m.Runner.run_streamed(m.Agent(name="A", tools=[work], model=model), "go")
        items = []
        async for event in result.stream_events():
            if event.type == "agent_updated_stream_event":
                result.cancel(mode="after_turn")
            if event.type == "run_item_stream_event":
                items.append(event.name)
        return (items, ran, len(model.calls), result.final_output)

    assert await same(snippet) == (
        ["message_output_created", "tool_called", "tool_output"],
        ["work"],
        1,
        None,
    )


async def test_terminal_stream_failures_are_named() -> None:
    from openai.types.responses import ResponseErrorEvent, ResponseFailedEvent

    from otel_agents.models._responses_events import make_response

    async def snippet(m: ModuleType) -> Any:
        failures = []
        for terminal in ("failed", "error"):
            model = scripted(m, [[msg("x")]])

            async def broken(*args: Any, terminal: str = terminal, **kwargs: Any) -> Any:
                if terminal == "failed":
                    response = make_response(
                        response_id="r", model="m", output=[], usage=None, created_at=0
                    )
                    response.status = "failed"
                    yield ResponseFailedEvent(
                        response=response, sequence_number=0, type="response.failed"
                    )
                else:
                    yield ResponseErrorEvent(
                        code="server_error",
                        message="boom",
                        param=None,
                        sequence_number=0,
                        type="error",
                    )

            model.stream_response = broken
            result = m.Runner.run_streamed(m.Agent(name="A", model=model), "go")

            async def drain(result: Any = result) -> None:
                async for _ in result.stream_events():
                    pass

            failures.append(await outcome(drain()))
        return failures

    failures = await same(snippet)
    assert failures[0].startswith(
        "raised ModelBehaviorError: Responses stream ended with "
        "terminal event `response.failed`. status=failed"
    )
    assert "code=server_error; message=boom" in failures[1]


async def test_guardrails_run_in_parallel_signatures_and_run_data() -> None:
    async def snippet(m: ModuleType) -> Any:
        def check(ctx: Any, agent: Any, value: Any) -> Any:
            return m.GuardrailFunctionOutput(output_info=f"saw {value}", tripwire_triggered=True)

        blocking = m.InputGuardrail(guardrail_function=check, run_in_parallel=False)
        model = scripted(m, [[msg("answer")]])
        agent = m.Agent(name="A", model=model, input_guardrails=[blocking])
        direct_in = await blocking.run(agent, "in", m.RunContextWrapper(context=None))
        out_guard = m.OutputGuardrail(guardrail_function=check)
        direct_out = await out_guard.run(m.RunContextWrapper(context=None), agent, "out")
        try:
            await m.Runner.run(agent, "hello")
            tripped = None
        except m.InputGuardrailTripwireTriggered as exc:
            data = exc.run_data
            tripped = (
                exc.guardrail_result.output.output_info,
                data.last_agent.name,
                data.input,
                len(data.new_items),
            )
        decorated = m.input_guardrail(run_in_parallel=False)(check)
        return {
            "direct": (
                direct_in.output.output_info,
                direct_out.output.output_info,
                direct_out.agent_output,
            ),
            "tripped": tripped,
            "model_calls": len(model.calls),
            "flags": (
                blocking.run_in_parallel,
                m.InputGuardrail(check).run_in_parallel,
                decorated.run_in_parallel,
            ),
        }

    ours = await same(snippet)
    assert ours["tripped"] == ("saw hello", "A", "hello", 0)
    assert ours["model_calls"] == 0


async def test_run_data_on_max_turns_and_model_errors() -> None:
    async def snippet(m: ModuleType) -> Any:
        @m.function_tool
        def again() -> str:
            """Again."""
            return "again"

        found = []
        for turns in ([[call("again", {}, f"c{i}")] for i in range(3)], [[call("nope", {})]]):
            agent = m.Agent(name="A", tools=[again], model=scripted(m, turns))
            try:
                await m.Runner.run(agent, "go", max_turns=2)
            except m.AgentsException as exc:
                data = exc.run_data
                found.append(
                    (
                        type(exc).__name__,
                        data.last_agent.name,
                        len(data.raw_responses),
                        [type(i).__name__ for i in data.new_items],
                    )
                )
        return found

    ours = await same(snippet)
    assert ours[0][0] == "MaxTurnsExceeded" and ours[1][0] == "ModelBehaviorError"


async def test_a_max_turns_error_handler_gives_the_final_output() -> None:
    async def snippet(m: ModuleType) -> Any:
        @m.function_tool
        def again() -> str:
            """Again."""
            return "again"

        seen: list[Any] = []

        def handler(data: Any) -> Any:
            seen.append(
                (
                    type(data.error).__name__,
                    len(data.run_data.new_items),
                    data.run_data.last_agent.name,
                    len(data.run_data.history),
                )
            )
            return {"final_output": "gave up", "include_in_history": True}

        outcomes = []
        for result_form in (
            handler,
            lambda data: None,
            lambda data: m.RunErrorHandlerResult(final_output="quiet", include_in_history=False),
        ):
            turns = [[call("again", {}, f"c{i}")] for i in range(3)]
            agent = m.Agent(name="A", tools=[again], model=scripted(m, turns))
            try:
                result = await m.Runner.run(
                    agent, "go", max_turns=2, error_handlers={"max_turns": result_form}
                )
                outcomes.append(
                    (
                        result.final_output,
                        [type(i).__name__ for i in result.new_items],
                        result.to_input_list()[-1].get("content"),
                    )
                )
            except m.MaxTurnsExceeded:
                outcomes.append("raised")
        return outcomes, seen

    (outcomes, seen) = await same(snippet)
    assert seen == [("MaxTurnsExceeded", 4, "A", 5)]
    assert outcomes[1] == "raised"
    assert outcomes[0][0] == "gave up" and outcomes[2][0] == "quiet"
