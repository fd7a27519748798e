"""Run error handlers: turn a run-ending error into a final output instead
(`Runner.run(..., error_handlers={"max_turns": handler})`), as in the OpenAI Agents SDK.

A handler receives `RunErrorHandlerInput(error, context, run_data)` and returns the final output
(a value, `{"final_output": ..., "include_in_history": ...}` or `RunErrorHandlerResult`), or None
to let the error end the run. The output is checked against the agent's output type, recorded as
an assistant message (unless `include_in_history=False`), and goes through the agent-end hooks
and the output guardrails like any final output. Only `max_turns` is handled here.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar

from openai.types.responses import ResponseOutputMessage, ResponseOutputText
from pydantic import TypeAdapter

from .agent_output import AgentOutputSchema
from .exceptions import MaxTurnsExceeded, UserError
from .items import ItemHelpers, MessageOutputItem, RunItem
from .models.interface import InputItem, ModelResponse
from .run_context import RunContextWrapper

if TYPE_CHECKING:
    from ._state import RunState
    from .agent import Agent

TContext = TypeVar("TContext")


@dataclass
class RunErrorData:
    """What the run had produced when the error happened."""

    input: str | list[InputItem]
    new_items: list[RunItem]
    history: list[InputItem]
    output: list[InputItem]
    raw_responses: list[ModelResponse]
    last_agent: Agent[Any]


@dataclass
class RunErrorHandlerInput(Generic[TContext]):
    """A handler's argument."""

    error: MaxTurnsExceeded
    context: RunContextWrapper[TContext]
    run_data: RunErrorData


@dataclass
class RunErrorHandlerResult:
    """A handler's answer: the run's final output, and whether it joins the history."""

    final_output: Any
    include_in_history: bool = True


RunErrorHandler = Callable[[RunErrorHandlerInput[Any]], Any]


class RunErrorHandlers(TypedDict, total=False):
    """Error handlers by error kind."""

    max_turns: RunErrorHandler


def check_handlers(handlers: Any) -> None:
    """Raises UserError for kinds this runner does not handle (so none is silently ignored)."""
    if handlers is None:
        return
    unknown = set(handlers) - {"max_turns"}
    if unknown:
        raise UserError(
            f"error_handlers has {sorted(unknown)}: only 'max_turns' is supported here."
        )


def _normalize(result: Any) -> RunErrorHandlerResult:
    if isinstance(result, RunErrorHandlerResult):
        return result
    if isinstance(result, dict) and "final_output" in result:
        extra = set(result) - {"final_output", "include_in_history"}
        if extra:
            raise UserError(f"Invalid run error handler result: unexpected keys {sorted(extra)}.")
        return RunErrorHandlerResult(**result)
    return RunErrorHandlerResult(final_output=result)


def _validated_text(agent: Agent[Any], output: Any) -> tuple[Any, str]:
    schema = AgentOutputSchema.of(agent.output_type)
    if schema.is_plain_text():
        return output, str(output)
    if isinstance(schema, AgentOutputSchema):
        adapter: TypeAdapter[Any] = TypeAdapter(schema.output_type)  # type: ignore[arg-type]
        try:
            value = adapter.validate_python(output)
        except Exception as exc:
            raise UserError(
                f"The max_turns handler's final output is not a valid {schema.name()} ({exc})."
            ) from exc
        return value, adapter.dump_json(value).decode()
    return output, json.dumps(output, ensure_ascii=False, default=str)


async def handle_max_turns(state: RunState, agent: Agent[Any], error: MaxTurnsExceeded) -> bool:
    """Runs the max_turns handler; True when it produced the run's final output."""
    handler = (state.error_handlers or {}).get("max_turns")
    if handler is None:
        return False
    output = [item.to_input_item() for item in state.generated_items]
    data = RunErrorData(
        input=state.original_input,
        new_items=list(state.generated_items),
        history=ItemHelpers.input_to_new_input_list(state.original_input) + output,
        output=output,
        raw_responses=list(state.raw_responses),
        last_agent=agent,
    )
    result = handler(RunErrorHandlerInput(error=error, context=state.context, run_data=data))
    if inspect.isawaitable(result):
        result = await result
    if result is None:
        return False
    answer = _normalize(result)
    value, text = _validated_text(agent, answer.final_output)
    if answer.include_in_history:
        message = ResponseOutputMessage(
            id="__fake_id__",
            type="message",
            role="assistant",
            status="completed",
            content=[
                ResponseOutputText(text=text, type="output_text", annotations=[], logprobs=[])
            ],
        )
        state.add_item(MessageOutputItem(agent=agent, raw_item=message), None)
    state.final_output = value
    return True
