"""`Agent.as_tool`: an agent offered to another agent as a function tool.

The tool's argument is `{"input": str}`; calling it runs the agent to completion with that input,
sharing the caller's context and usage. The nested run joins the caller's trace: its agent span is
a child of the tool's function span, which is current while the tool runs.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ._naming import snake_case
from ._schema import make_strict
from .exceptions import ModelBehaviorError
from .items import ItemHelpers, MessageOutputItem, ToolCallOutputItem
from .run_context import ToolContext
from .tools import (
    FunctionTool,
    IsEnabled,
    ToolErrorFunction,
    _record_on_current_span,
    parse_arguments,
)

if TYPE_CHECKING:
    from .agent import Agent
    from .result import RunResult, RunResultStreaming
    from .run_config import RunConfig


class AgentAsToolInput(BaseModel):
    """Default input schema for agent-as-tool calls."""

    input: str


def _default_output(result: RunResult) -> Any:
    # As the SDK: an empty text output falls back to the run's last non-empty message or tool
    # output, unless output guardrails ran (then their verdict stands on the empty output).
    output = result.final_output
    if output is not None and output != "":
        return output
    if result.output_guardrail_results:
        return output
    for item in reversed(result.new_items):
        if isinstance(item, MessageOutputItem):
            text = ItemHelpers.text_message_output(item)
            if text:
                return text
        elif isinstance(item, ToolCallOutputItem) and item.output not in (None, ""):
            return item.output
    return output


def agent_as_tool(
    agent: Agent[Any],
    tool_name: str | None,
    tool_description: str | None,
    custom_output_extractor: Callable[[RunResult | RunResultStreaming], Awaitable[str]] | None,
    is_enabled: IsEnabled,
    run_config: RunConfig | None,
    max_turns: int | None,
    failure_error_function: ToolErrorFunction | None,
) -> FunctionTool:
    """Builds the tool (see `Agent.as_tool`)."""
    name = tool_name or snake_case(agent.name)
    # The SDK's schema exactly (titles included), so the model sees the same tool.
    schema = make_strict(AgentAsToolInput.model_json_schema())

    async def run_agent(ctx: ToolContext[Any], arguments: str) -> Any:
        from .runner import DEFAULT_MAX_TURNS, Runner

        try:
            raw = parse_arguments(ctx.tool_name, arguments)
            try:
                params = AgentAsToolInput.model_validate(raw)
            except ValidationError as exc:
                raise ModelBehaviorError(
                    f"Invalid JSON input for tool {ctx.tool_name}: {exc}"
                ) from None
            nested = ToolContext(
                context=ctx.context,
                usage=ctx.usage,
                tool_name=ctx.tool_name,
                tool_call_id=ctx.tool_call_id,
                tool_arguments=ctx.tool_arguments,
                tool_call=ctx.tool_call,
                agent=ctx.agent,
                run_config=run_config if run_config is not None else ctx.run_config,
            )
            result = await Runner.run(
                agent,
                params.input,
                context=nested,
                max_turns=max_turns if max_turns is not None else DEFAULT_MAX_TURNS,
                run_config=nested.run_config,
            )
            if custom_output_extractor is not None:
                return await custom_output_extractor(result)
            return _default_output(result)
        except Exception as exc:
            if failure_error_function is None:
                raise
            text = failure_error_function(ctx, exc)
            if inspect.isawaitable(text):
                text = await text
            _record_on_current_span(exc)
            return text

    return FunctionTool(
        name=name,
        description=tool_description or "",
        params_json_schema=schema,
        on_invoke_tool=run_agent,
        strict_json_schema=True,
        is_enabled=is_enabled,
    )
