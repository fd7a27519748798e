"""The SDK's `Model` interface, usage details, reasoning items, empty replies and item helpers:
the same snippet on the upstream SDK and on otel_agents gives the same outcome."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

from compat._both import call, msg, reasoning, same, scripted
from otel_agents.models._responses_events import output_message


async def test_a_custom_sdk_model_runs_unchanged_and_usage_has_the_sdk_details() -> None:
    async def snippet(m: ModuleType) -> Any:
        model = scripted(m, [[msg("Hello")]])
        agent = m.Agent(name="A", instructions="Be brief.", model=model)
        result = await m.Runner.run(agent, "Hi")
        u = result.context_wrapper.usage if hasattr(result, "context_wrapper") else result.usage
        total = m.Usage()
        total.add(u)
        total.add(u)
        return {
            "final": result.final_output,
            "call": model.calls[0],
            "usage": (u.requests, u.input_tokens, u.output_tokens, u.total_tokens),
            "details": (
                u.input_tokens_details.cached_tokens,
                u.output_tokens_details.reasoning_tokens,
            ),
            "entries": [(e.input_tokens, e.output_tokens) for e in u.request_usage_entries],
            "added": (
                total.requests,
                total.input_tokens_details.cached_tokens,
                len(total.request_usage_entries),
            ),
        }

    ours = await same(snippet)
    assert ours["final"] == "Hello"
    assert ours["call"]["instructions"] == "Be brief."
    assert ours["entries"] == [(10, 5)]
    assert ours["added"] == (2, 4, 2)


async def test_reasoning_items_are_run_items_and_stream_events() -> None:
    async def snippet(m: ModuleType) -> Any:
        model = scripted(m, [[reasoning("thinking"), msg("Done")]] * 2)
        agent = m.Agent(name="A", model=model)
        result = await m.Runner.run(agent, "go")
        streamed = m.Runner.run_streamed(agent, "go")
        names = [
            e.name async for e in streamed.stream_events() if e.type == "run_item_stream_event"
        ]
        return {
            "items": [type(i).__name__ for i in result.new_items],
            "summary": result.new_items[0].raw_item.summary[0].text,
            "stream": names,
            "replayed": [i.get("type") for i in result.to_input_list()],
        }

    ours = await same(snippet)
    assert ours["items"] == ["ReasoningItem", "MessageOutputItem"]
    assert ours["stream"] == ["reasoning_item_created", "message_output_created"]


async def test_a_reply_with_neither_message_nor_tool_call_ends_the_run() -> None:
    async def snippet(m: ModuleType) -> Any:
        model = scripted(m, [[reasoning("hmm")], [msg("never")]])
        result = await m.Runner.run(m.Agent(name="A", model=model), "go")
        return (result.final_output, len(model.calls))

    assert await same(snippet) == ("", 1)


async def test_item_helpers_and_tool_call_item_fields() -> None:
    async def snippet(m: ModuleType) -> Any:
        @m.function_tool
        def ping() -> str:
            """Ping."""
            return "pong"

        model = scripted(m, [[call("ping", {}, "call_7")], [msg("ok")]])
        result = await m.Runner.run(m.Agent(name="A", tools=[ping], model=model), "go")
        tool_call = result.new_items[0]
        text = output_message("m1", "last")
        refusal = output_message("m2", refusal="no")
        return {
            "call": (tool_call.call_id, tool_call.tool_name),
            "output_call_id": result.new_items[1].call_id,
            "last_text": (
                m.ItemHelpers.extract_last_text(text),
                m.ItemHelpers.extract_last_text(refusal),
            ),
            "last_content": (
                m.ItemHelpers.extract_last_content(text),
                m.ItemHelpers.extract_last_content(refusal),
            ),
        }

    ours = await same(snippet)
    assert ours["call"] == ("call_7", "ping")
    assert ours["last_content"] == ("last", "no")


async def test_agent_output_schema_name_strictness_and_use_as_output_type() -> None:
    async def snippet(m: ModuleType) -> Any:
        strict = m.AgentOutputSchema(list[int])
        loose = m.AgentOutputSchema(dict[str, Any], strict_json_schema=False)
        model = scripted(m, [[msg('{"response": [1, 2]}')]])
        agent = m.Agent(name="A", model=model, output_type=m.AgentOutputSchema(list[int]))
        result = await m.Runner.run(agent, "go")
        return {
            "names": (strict.name(), loose.name()),
            "strict": (strict.is_strict_json_schema(), loose.is_strict_json_schema()),
            "plain": (strict.is_plain_text(), m.AgentOutputSchema(str).is_plain_text()),
            "validated": strict.validate_json('{"response": [3]}'),
            "final": result.final_output,
            "model_saw": model.calls[0]["output_schema"],
        }

    ours = await same(snippet)
    assert ours["names"] == ("list[int]", "dict[str, Any]")
    assert ours["final"] == [1, 2]


async def test_max_turns_none_and_clone() -> None:
    async def snippet(m: ModuleType) -> Any:
        @m.function_tool
        def step() -> str:
            """Step."""
            return "again"

        turns: list[Any] = [[call("step", {}, f"c{i}")] for i in range(12)] + [[msg("end")]]
        agent = m.Agent(name="A", tools=[step], model=scripted(m, turns))
        result = await m.Runner.run(agent, "go", max_turns=None)
        copy = agent.clone(name="B")
        return (result.final_output, copy.name, copy.tools == agent.tools, agent.name)

    assert await same(snippet) == ("end", "B", True, "A")


async def test_result_fields_and_more_item_helpers() -> None:
    async def snippet(m: ModuleType) -> Any:
        model = scripted(m, [[msg("a")], [msg("b")]])
        agent = m.Agent(name="A", model=model)
        result = await m.Runner.run(agent, "go", context={"k": 1})
        streamed = m.Runner.run_streamed(agent, "go", max_turns=3)
        async for _ in streamed.stream_events():
            pass
        both = output_message("m", "text")
        return {
            "context": result.context_wrapper.context,
            "requests": result.context_wrapper.usage.requests,
            "last_response_id": result.last_response_id,
            "cast": result.final_output_as(int),
            "streamed": (streamed.current_turn, streamed.max_turns, streamed.run_loop_exception),
            "text": (m.ItemHelpers.extract_text(both), m.ItemHelpers.extract_refusal(both)),
            "ids": (m.gen_trace_id()[:6], m.gen_span_id()[:5]),
        }

    ours = await same(snippet)
    assert ours["context"] == {"k": 1} and ours["cast"] == "a"


async def test_a_custom_output_schema_and_the_run_wide_handoff_filter() -> None:
    async def snippet(m: ModuleType) -> Any:
        class Upper(m.AgentOutputSchemaBase):  # type: ignore[name-defined,misc]
            def is_plain_text(self) -> bool:
                return False

            def name(self) -> str:
                return "Upper"

            def json_schema(self) -> dict[str, Any]:
                return {
                    "type": "object",
                    "properties": {"v": {"type": "string"}},
                    "required": ["v"],
                    "additionalProperties": False,
                }

            def is_strict_json_schema(self) -> bool:
                return True

            def validate_json(self, json_str: str) -> Any:
                return json.loads(json_str)["v"].upper()

        seen: list[int] = []

        def drop_history(data: Any) -> Any:
            seen.append(len(data.input_history))
            return data.clone(input_history=())

        target_model = scripted(m, [lambda items: [msg(json.dumps({"v": f"{len(items)} items"}))]])
        target = m.Agent(name="T", model=target_model, output_type=Upper())
        source = m.Agent(
            name="S", handoffs=[target], model=scripted(m, [[call("transfer_to_t", {}, "c1")]])
        )
        config = m.RunConfig(handoff_input_filter=drop_history)
        result = await m.Runner.run(source, "hello", run_config=config)
        return (result.final_output, seen, target_model.calls[0]["output_schema"])

    # input_history is the string the run started with (len 5), as in the SDK.
    assert await same(snippet) == ("2 ITEMS", [5], "Upper")
