"""The tool calls of one turn: run them (in parallel), record their outputs, and decide with the
agent's `tool_use_behavior` whether their results end the run.

Each call gets a function span; a tool that fails with a `failure_error_function` records the real
exception on its span while the model reads the failure text.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import TYPE_CHECKING, Any

from openai.types.responses import ResponseFunctionToolCall

from .exceptions import AgentsException, ToolTimeoutError, UserError
from .items import ToolCallOutputItem, function_call_output
from .lifecycle import notify
from .run_context import ToolContext
from .tool_guardrails import (
    ToolInputGuardrailData,
    ToolInputGuardrailResult,
    ToolInputGuardrailTripwireTriggered,
    ToolOutputGuardrailData,
    ToolOutputGuardrailResult,
    ToolOutputGuardrailTripwireTriggered,
)
from .tools import FunctionTool, FunctionToolResult
from .tracing import function_span

if TYPE_CHECKING:
    from ._state import RunState
    from .agent import Agent, ToolsToFinalOutputResult


async def run_tools(
    state: RunState, agent: Agent[Any], calls: list[tuple[FunctionTool, ResponseFunctionToolCall]]
) -> list[FunctionToolResult]:
    """Runs the turn's tool calls concurrently and records their outputs in call order."""
    if not calls:
        return []
    if len(calls) == 1:
        outputs = [await _run_tool(state, agent, *calls[0])]
    else:
        results = await asyncio.gather(
            *(_run_tool(state, agent, tool, call) for tool, call in calls), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        outputs = list(results)
    done = []
    for (tool, call), output in zip(calls, outputs, strict=False):
        raw = function_call_output(call.call_id, model_text(output))
        item = ToolCallOutputItem(agent=agent, raw_item=raw, output=output)
        state.add_item(item, "tool_output")
        done.append(FunctionToolResult(tool=tool, output=output, run_item=item))
    return done


def model_text(output: Any) -> str:
    """What the model reads of a tool's result: text as is, data as JSON, anything else as str()."""
    if isinstance(output, str):
        return output
    dump = getattr(output, "model_dump_json", None)
    if callable(dump):
        return str(dump())
    try:
        return json.dumps(output, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(output)


async def _run_tool(
    state: RunState, agent: Agent[Any], tool: FunctionTool, call: ResponseFunctionToolCall
) -> Any:
    span = function_span(
        name=tool.name,
        call_id=call.call_id,
        description=tool.description,
        input=call.arguments if state.include_sensitive else None,
        disabled=state.config.tracing_disabled,
    )
    ctx = ToolContext(
        context=state.context.context,
        usage=state.context.usage,
        tool_name=tool.name,
        tool_call_id=call.call_id,
        tool_arguments=call.arguments,
        tool_call=call,
        agent=agent,
        run_config=state.config,
    )
    with span:
        if tool.tool_input_guardrails:
            rejected = await _input_guardrails(state, agent, tool, ctx)
            if rejected is not None:
                # As the SDK: the tool does not run and the model reads the message.
                if state.include_sensitive:
                    span.span_data.output = rejected
                return rejected
        if state.hooks is not None or agent.hooks is not None:
            await notify(state, ctx, agent, "on_tool_start", "on_tool_start", tool)
        try:
            output = await _invoke(tool, ctx, call.arguments)
        except AgentsException:
            raise
        except Exception as exc:
            # As the SDK: a tool error that ends the run is a UserError naming the tool.
            raise UserError(f"Error running tool {tool.name}: {exc}") from exc
        if tool.tool_output_guardrails:
            output = await _output_guardrails(state, agent, tool, ctx, output)
        if state.include_sensitive:
            span.span_data.output = model_text(output)
        if state.hooks is not None or agent.hooks is not None:
            await notify(state, ctx, agent, "on_tool_end", "on_tool_end", tool, output)
        return output


async def _input_guardrails(
    state: RunState, agent: Agent[Any], tool: FunctionTool, ctx: ToolContext[Any]
) -> str | None:
    """Runs the tool's input guardrails in order; the first rejection's message, if any."""
    for guardrail in tool.tool_input_guardrails or ():
        verdict = await guardrail.run(ToolInputGuardrailData(context=ctx, agent=agent))
        state.tool_input_guardrail_results.append(
            ToolInputGuardrailResult(guardrail=guardrail, output=verdict)
        )
        behavior = verdict.behavior
        if behavior["type"] == "raise_exception":
            raise ToolInputGuardrailTripwireTriggered(guardrail, verdict)
        if behavior["type"] == "reject_content":
            return behavior["message"]
    return None


async def _output_guardrails(
    state: RunState, agent: Agent[Any], tool: FunctionTool, ctx: ToolContext[Any], output: Any
) -> Any:
    """Runs the tool's output guardrails in order; the output the model will read."""
    for guardrail in tool.tool_output_guardrails or ():
        data = ToolOutputGuardrailData(context=ctx, agent=agent, output=output)
        verdict = await guardrail.run(data)
        state.tool_output_guardrail_results.append(
            ToolOutputGuardrailResult(guardrail=guardrail, output=verdict)
        )
        behavior = verdict.behavior
        if behavior["type"] == "raise_exception":
            raise ToolOutputGuardrailTripwireTriggered(guardrail, verdict)
        if behavior["type"] == "reject_content":
            return behavior["message"]
    return output


async def _invoke(tool: FunctionTool, ctx: ToolContext[Any], arguments: str) -> Any:
    if tool.timeout_seconds is None:
        return await tool.on_invoke_tool(ctx, arguments)
    try:
        return await asyncio.wait_for(tool.on_invoke_tool(ctx, arguments), tool.timeout_seconds)
    except asyncio.TimeoutError:
        error = ToolTimeoutError(tool.name, tool.timeout_seconds)
        if tool.timeout_behavior == "raise_exception":
            raise error from None
        if tool.timeout_error_function is None:
            return str(error)
        text = tool.timeout_error_function(ctx, error)
        return await text if inspect.isawaitable(text) else text


async def final_output_from_tools(
    state: RunState, agent: Agent[Any], results: list[FunctionToolResult]
) -> ToolsToFinalOutputResult:
    """Applies `agent.tool_use_behavior` to this turn's tool results."""
    from .agent import ToolsToFinalOutputResult

    behavior = agent.tool_use_behavior
    if not results or behavior == "run_llm_again":
        return ToolsToFinalOutputResult(is_final_output=False)
    if behavior == "stop_on_first_tool":
        return ToolsToFinalOutputResult(is_final_output=True, final_output=results[0].output)
    if isinstance(behavior, dict):
        names = behavior.get("stop_at_tool_names", [])
        for result in results:
            if result.tool.name in names:
                return ToolsToFinalOutputResult(is_final_output=True, final_output=result.output)
        return ToolsToFinalOutputResult(is_final_output=False)
    decided = behavior(state.context, results)
    if inspect.isawaitable(decided):
        decided = await decided
    if not isinstance(decided, ToolsToFinalOutputResult):
        raise UserError(
            f"Agent {agent.name!r}: its tool_use_behavior function returned "
            f"{type(decided).__name__}; it must return ToolsToFinalOutputResult."
        )
    return decided
