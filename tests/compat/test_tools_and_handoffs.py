"""Tools, tool contexts, tool_use_behavior, agents as tools and handoffs: the same snippet on the
upstream SDK and on otel_agents gives the same outcome."""

# No `from __future__ import annotations`: the snippets annotate with `m.RunContextWrapper`,
# which only evaluates where `m` is in scope.
import json
from types import ModuleType
from typing import Any

from compat._both import call, msg, same, scripted


def untitled(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: untitled(v) for k, v in schema.items() if k != "title"}
    return schema


async def test_tool_context_fields_and_constructors() -> None:
    async def snippet(m: ModuleType) -> Any:
        from importlib import import_module

        ToolContext = import_module(f"{m.__name__}.tool_context").ToolContext
        seen: list[Any] = []

        @m.function_tool
        def look(ctx: m.RunContextWrapper[Any], q: str) -> str:  # type: ignore[name-defined]
            """Look."""
            seen.append((ctx.tool_name, ctx.tool_call_id, ctx.tool_arguments, ctx.context))
            return "seen"

        model = scripted(m, [[call("look", {"q": "x"}, "call_3")], [msg("ok")]])
        await m.Runner.run(m.Agent(name="A", tools=[look], model=model), "go", context={"u": 1})
        made = ToolContext(context=None, tool_name="t", tool_call_id="c", tool_arguments="{}")
        derived = ToolContext.from_agent_context(
            m.RunContextWrapper(context="ctx"), "c9", tool_name="n", tool_arguments='{"a": 1}'
        )
        try:
            ToolContext(context=None, tool_name="t", tool_call_id="c")
            missing = "accepted"
        except ValueError as exc:
            missing = str(exc)
        return {
            "seen": seen,
            "made": (made.tool_name, made.tool_call_id, made.tool_arguments),
            "derived": (
                derived.context,
                derived.tool_call_id,
                derived.tool_name,
                derived.tool_arguments,
            ),
            "missing": missing,
        }

    ours = await same(snippet)
    assert ours["seen"] == [("look", "call_3", '{"q": "x"}', {"u": 1})]


async def test_on_invoke_tool_returns_failure_text_and_awaits_async_failure_functions() -> None:
    async def snippet(m: ModuleType) -> Any:
        from importlib import import_module

        ToolContext = import_module(f"{m.__name__}.tool_context").ToolContext

        async def explain(ctx: Any, error: Exception) -> str:
            return f"async says: {error}"

        @m.function_tool(failure_error_function=explain)
        def broken(x: int) -> str:
            """Broken."""
            raise ValueError(f"bad {x}")

        @m.function_tool(failure_error_function=lambda ctx, e: f"sync says: {e}")
        def broken_too(x: int) -> str:
            """Broken too."""
            raise ValueError(f"worse {x}")

        ctx = ToolContext(
            context=None, tool_name="broken", tool_call_id="c", tool_arguments='{"x": 1}'
        )
        direct = await broken.on_invoke_tool(ctx, '{"x": 1}')
        model = scripted(m, [[call("broken_too", {"x": 2})], lambda i: [msg(i[-1]["output"])]])
        result = await m.Runner.run(m.Agent(name="A", tools=[broken_too], model=model), "go")
        return (direct, result.final_output)

    assert await same(snippet) == ("async says: bad 1", "sync says: worse 2")


async def test_function_tool_on_methods_and_callable_objects_with_options() -> None:
    async def snippet(m: ModuleType) -> Any:
        class Counter:
            """Counts things."""

            def __init__(self) -> None:
                self.n = 0

            def __call__(self, step: int) -> int:
                """Adds a step.

                Args:
                    step: How much to add.
                """
                self.n += step
                return self.n

            def reset(self, to: int) -> str:
                """Resets the counter."""
                self.n = to
                return "reset"

        counter = Counter()
        add = m.function_tool(counter)
        reset = m.function_tool(
            counter.reset, name_override="zero", description_override="Back to a value."
        )
        bare = m.function_tool(counter.reset, name_override="bare", use_docstring_info=False)
        hidden = m.function_tool(counter.reset, name_override="hidden", is_enabled=False)
        maybe = m.function_tool(
            counter.reset, name_override="maybe", is_enabled=lambda ctx, agent: agent.name == "A"
        )
        model = scripted(
            m,
            [
                [call("Counter", {"step": 2}, "c1")],
                [call("zero", {"to": 5}, "c2")],
                [call("Counter", {"step": 1}, "c3")],
                [msg("done")],
            ],
        )
        agent = m.Agent(name="A", tools=[add, reset, bare, hidden, maybe], model=model)
        result = await m.Runner.run(agent, "go")
        return {
            # Schemas compared without "title" keys, which we leave out (the SDK sends them).
            "tools": [
                (t.name, t.description, untitled(t.params_json_schema)) for t in (add, reset, bare)
            ],
            "offered": model.calls[0]["tools"],
            "outputs": [i.output for i in result.new_items if i.type == "tool_call_output_item"],
            "n": counter.n,
        }

    ours = await same(snippet)
    assert ours["offered"] == ["Counter", "zero", "bare", "maybe"]
    assert ours["n"] == 6


async def test_tool_use_behavior_variants() -> None:
    async def snippet(m: ModuleType) -> Any:
        @m.function_tool
        def a() -> str:
            """A."""
            return "from a"

        @m.function_tool
        def b() -> str:
            """B."""
            return "from b"

        def turns() -> list[Any]:
            return [[call("a", {}, "c1"), call("b", {}, "c2")], [msg("model answer")]]

        def decide(ctx: Any, results: list[Any]) -> Any:
            outputs = [r.output for r in results]
            names = [r.tool.name for r in results]
            return m.ToolsToFinalOutputResult(is_final_output=True, final_output=(names, outputs))

        async def never(ctx: Any, results: list[Any]) -> Any:
            return m.ToolsToFinalOutputResult(is_final_output=False)

        finals = []
        for behavior in (
            "stop_on_first_tool",
            {"stop_at_tool_names": ["b"]},
            {"stop_at_tool_names": ["zzz"]},
            decide,
            never,
            "run_llm_again",
        ):
            agent = m.Agent(
                name="A", tools=[a, b], model=scripted(m, turns()), tool_use_behavior=behavior
            )
            finals.append((await m.Runner.run(agent, "go")).final_output)
        return finals

    assert await same(snippet) == [
        "from a",
        "from b",
        "model answer",
        "(['a', 'b'], ['from a', 'from b'])",
        "model answer",
        "model answer",
    ]
    # A plain-text agent's final output is text (str() of what the function decided).


async def test_agent_as_tool_orchestrator_and_workers() -> None:
    async def snippet(m: ModuleType) -> Any:
        worker_model = scripted(m, [lambda i: [msg(f"translated: {i[-1]['content']}")]] * 2)
        spanish = m.Agent(name="Spanish Agent", instructions="Translate.", model=worker_model)

        async def extract(result: Any) -> str:
            return f"<{result.final_output}>"

        orchestrator_model = scripted(
            m,
            [
                [
                    call("translate_to_spanish", {"input": "hi"}, "c1"),
                    call("spanish_agent", {"input": "bye"}, "c2"),
                ],
                lambda i: [
                    msg(
                        " | ".join(
                            x["output"] for x in i if x.get("type") == "function_call_output"
                        )
                    )
                ],
            ],
        )
        orchestrator = m.Agent(
            name="Orchestrator",
            model=orchestrator_model,
            tools=[
                spanish.as_tool(
                    tool_name="translate_to_spanish",
                    tool_description="Translate to Spanish",
                    custom_output_extractor=extract,
                ),
                spanish.as_tool(tool_name=None, tool_description=None),
            ],
        )
        result = await m.Runner.run(orchestrator, "go")
        tool = orchestrator.tools[0]
        return {
            "final": result.final_output,
            "tool": (
                tool.name,
                tool.description,
                json.dumps(tool.params_json_schema, sort_keys=True),
            ),
            "default_name": orchestrator.tools[1].name,
            "worker_input": worker_model.calls[0]["input"],
            "requests": result.context_wrapper.usage.requests
            if hasattr(result, "context_wrapper")
            else result.usage.requests,
        }

    ours = await same(snippet)
    assert ours["final"] == "<translated: hi> | translated: bye"
    assert ours["default_name"] == "spanish_agent"
    assert ours["requests"] == 4


async def test_handoff_defaults_run_context_and_duplicate_tool_names() -> None:
    async def snippet(m: ModuleType) -> Any:
        seen: list[Any] = []

        def keep(data: Any) -> Any:
            seen.append(data.run_context is not None and data.run_context.context)
            return data

        first = m.Agent(
            name="Billing Desk", handoff_description="Money.", model=scripted(m, [[msg("first")]])
        )
        second = m.Agent(name="Second", model=scripted(m, [[msg("second")]]))
        triage_model = scripted(m, [[call("transfer_to_billing_desk", {}, "c1")]])
        triage = m.Agent(
            name="Triage",
            model=triage_model,
            handoffs=[
                m.handoff(first, input_filter=keep),
                m.handoff(second, tool_name_override="transfer_to_billing_desk", input_filter=keep),
            ],
        )
        result = await m.Runner.run(triage, "pay", context="ctx")
        return {
            "name": m.Handoff.default_tool_name(first),
            "description": m.Handoff.default_tool_description(first),
            "offered": triage_model.calls[0]["handoffs"],
            "final": (result.final_output, result.last_agent.name),
            "run_context": seen,
        }

    ours = await same(snippet)
    assert ours["name"] == "transfer_to_billing_desk"
    assert ours["run_context"] == ["ctx"]


async def test_a_forced_tool_choice_is_reset_after_the_agent_used_tools() -> None:
    async def snippet(m: ModuleType) -> Any:
        @m.function_tool
        def ping() -> str:
            """Ping."""
            return "pong"

        choices = []
        for reset in (True, False):
            model = scripted(m, [[call("ping", {}, "c1")], [msg("done")]])
            agent = m.Agent(
                name="A",
                tools=[ping],
                model=model,
                model_settings=m.ModelSettings(tool_choice="required"),
                reset_tool_choice=reset,
            )
            await m.Runner.run(agent, "go")
            choices.append([c["tool_choice"] for c in model.calls])
        return choices

    assert await same(snippet) == [["required", None], ["required", "required"]]


async def test_tool_timeouts_as_result_or_raised() -> None:
    import asyncio

    async def snippet(m: ModuleType) -> Any:
        never = asyncio.Event()

        @m.function_tool(timeout=0.01)
        async def slow() -> str:
            """Slow."""
            await never.wait()
            return "never"

        @m.function_tool(timeout=0.01, timeout_behavior="raise_exception", name_override="strict")
        async def slow_strict() -> str:
            """Slow and strict."""
            await never.wait()
            return "never"

        @m.function_tool(
            timeout=0.01,
            timeout_error_function=lambda ctx, e: f"custom: {e}",
            name_override="custom",
        )
        async def slow_custom() -> str:
            """Slow, custom message."""
            await never.wait()
            return "never"

        outputs = []
        for tool in (slow, slow_custom):
            model = scripted(m, [[call(tool.name, {}, "c1")], lambda i: [msg(i[-1]["output"])]])
            result = await m.Runner.run(m.Agent(name="A", tools=[tool], model=model), "go")
            outputs.append(result.final_output)
        model = scripted(m, [[call("strict", {}, "c1")]])
        try:
            await m.Runner.run(m.Agent(name="A", tools=[slow_strict], model=model), "go")
        except m.AgentsException as exc:
            outputs.append((type(exc).__name__, str(exc), exc.tool_name))
        return outputs

    assert await same(snippet) == [
        "Tool 'slow' timed out after 0.01 seconds.",
        "custom: Tool 'custom' timed out after 0.01 seconds.",
        ("ToolTimeoutError", "Tool 'strict' timed out after 0.01 seconds.", "strict"),
    ]


async def test_tool_input_and_output_guardrails() -> None:
    async def snippet(m: ModuleType) -> Any:
        ran: list[str] = []

        @m.tool_input_guardrail
        def no_secrets(data: Any) -> Any:
            if "secret" in data.context.tool_arguments:
                return m.ToolGuardrailFunctionOutput.reject_content("not allowed", output_info=1)
            if "boom" in data.context.tool_arguments:
                return m.ToolGuardrailFunctionOutput.raise_exception(output_info=2)
            return m.ToolGuardrailFunctionOutput.allow()

        @m.tool_output_guardrail
        async def redact(data: Any) -> Any:
            if "password" in str(data.output):
                return m.ToolGuardrailFunctionOutput.reject_content("redacted")
            return m.ToolGuardrailFunctionOutput.allow()

        @m.function_tool(tool_input_guardrails=[no_secrets], tool_output_guardrails=[redact])
        def echo(text: str) -> str:
            """Echo."""
            ran.append(text)
            return text

        outputs = []
        for text in ("hello", "secret plan", "my password"):
            model = scripted(m, [[call("echo", {"text": text})], lambda i: [msg(i[-1]["output"])]])
            result = await m.Runner.run(m.Agent(name="A", tools=[echo], model=model), "go")
            outputs.append(
                (
                    result.final_output,
                    [r.output.behavior["type"] for r in result.tool_input_guardrail_results],
                    [r.output.behavior["type"] for r in result.tool_output_guardrail_results],
                )
            )
        model = scripted(m, [[call("echo", {"text": "boom"})]])
        try:
            await m.Runner.run(m.Agent(name="A", tools=[echo], model=model), "go")
        except m.ToolInputGuardrailTripwireTriggered as exc:
            outputs.append((type(exc).__name__, exc.output.output_info))
        return outputs, ran

    outputs, ran = await same(snippet)
    assert outputs[1] == ("not allowed", ["reject_content"], [])
    assert outputs[2] == ("redacted", ["allow"], ["reject_content"])
    assert ran == ["hello", "my password"]
