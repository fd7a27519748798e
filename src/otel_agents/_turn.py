"""One turn of an agent: call the model, then act on what it answered.

A turn records a generation span for the model call, a function span per tool call, and a handoff
span when the model hands off; the loop in `_run_loop.py` decides what happens next.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage

from .exceptions import ModelBehaviorError
from .handoffs import Handoff, HandoffInputData, as_handoff
from .items import (
    HandoffCallItem,
    HandoffOutputItem,
    ItemHelpers,
    MessageOutputItem,
    ToolCallItem,
    ToolCallOutputItem,
    function_call_output,
)
from .models.interface import Model, ModelRequest, ModelResponse
from .run_context import ToolContext
from .stream_events import RawResponsesStreamEvent
from .tools import FunctionTool, _ToolFailed
from .tracing import function_span, generation_span, handoff_span

if TYPE_CHECKING:
    from ._state import RunState
    from .agent import Agent


@dataclass
class TurnOutcome:
    """What a turn decided: a final output, a handoff to another agent, or another model call."""

    final: bool = False
    final_output: Any = None
    next_agent: Agent[Any] | None = None


async def call_model(state: RunState, model: Model, request: ModelRequest) -> ModelResponse:
    """Calls the model (streamed when the run is), inside a generation span."""
    streaming = state.emit is not None
    span = generation_span(
        model=model.model_name,
        provider=model.provider_name,
        model_config=request.settings.to_dict(),
        server_address=model.server_address,
        server_port=model.server_port,
        stream=streaming,
        disabled=state.config.tracing_disabled,
    )
    data = span.span_data
    if state.include_sensitive:
        data.system_instructions = request.system_instructions
        data.input = list(request.input)
    # The span records the error where it happens; a cancellation is not an error.
    with span:
        response = await (
            _stream(state, model, request, data) if streaming else model.get_response(request)
        )
        usage = response.usage
        data.usage = {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cached_input_tokens": usage.cached_input_tokens,
            "reasoning_tokens": usage.reasoning_tokens,
        }
        data.response_id = response.response_id
        data.response_model = response.model
        data.finish_reasons = list(response.finish_reasons)
        if state.include_sensitive:
            data.output = [item.model_dump(exclude_none=True) for item in response.output]
        return response


async def _stream(state: RunState, model: Model, request: ModelRequest, data: Any) -> ModelResponse:
    emit = state.emit
    assert emit is not None
    counts: dict[str, int] = {}
    started = perf_counter()
    first = first_delta = last_delta = 0.0
    chunks = deltas = 0
    completed = None
    stream = model.stream_response(request)
    try:
        async for event in stream:
            kind: str = event.type
            if chunks == 0:
                first = perf_counter()
            chunks += 1
            # Counted in a plain dict; the telemetry layer turns each count into one metric add.
            counts[kind] = counts.get(kind, 0) + 1
            if (
                kind == "response.output_text.delta"
                or kind == "response.function_call_arguments.delta"
            ):
                last_delta = perf_counter()
                if deltas == 0:
                    first_delta = last_delta
                deltas += 1
            elif kind == "response.completed":
                completed = event.response  # type: ignore[union-attr]
            emit(RawResponsesStreamEvent(data=event))
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
        data.chunk_count = chunks
        data.output_chunk_count = deltas
        if chunks:
            data.time_to_first_chunk = first - started
        if deltas > 1:
            data.time_per_output_chunk = (last_delta - first_delta) / (deltas - 1)
        event_counts = state.event_counts
        for kind, n in counts.items():
            key = ("raw_response_event", kind)
            event_counts[key] = event_counts.get(key, 0) + n
    if completed is None:
        raise ModelBehaviorError(
            f"The stream of model {model.model_name!r} ended without a response.completed event; "
            "the server closed the stream early or does not follow the Responses streaming format."
        )
    return ModelResponse.from_response(completed)


async def process_response(
    state: RunState, agent: Agent[Any], response: ModelResponse
) -> TurnOutcome:
    """Turns a model response into items, runs its tool calls and handoff, and decides what next."""
    tools = {tool.name: tool for tool in agent.tools}
    handoffs = {h.tool_name: h for h in (as_handoff(t) for t in agent.handoffs)}
    messages: list[MessageOutputItem] = []
    tool_calls: list[tuple[FunctionTool, ResponseFunctionToolCall]] = []
    handoff_calls: list[tuple[Handoff, ResponseFunctionToolCall]] = []
    pre_turn_count = len(state.generated_items)
    for output in response.output:
        if isinstance(output, ResponseOutputMessage):
            item = MessageOutputItem(agent=agent, raw_item=output)
            messages.append(item)
            state.add_item(item, "message_output_created")
        elif isinstance(output, ResponseFunctionToolCall):
            if output.name in handoffs:
                handoff_calls.append((handoffs[output.name], output))
                state.add_item(HandoffCallItem(agent=agent, raw_item=output), "handoff_requested")
            elif output.name in tools:
                tool_calls.append((tools[output.name], output))
                state.add_item(ToolCallItem(agent=agent, raw_item=output), "tool_called")
            else:
                available = ", ".join(sorted([*tools, *handoffs])) or "none"
                raise ModelBehaviorError(
                    f"Agent {agent.name!r}: the model called the tool {output.name!r}, which the "
                    f"agent does not have (its tools and handoffs: {available}). Give the agent "
                    "that tool or tell the model in the instructions which tools exist."
                )

    tool_outputs = await _run_tools(state, agent, tool_calls)

    if handoff_calls:
        return await _run_handoff(state, agent, handoff_calls, pre_turn_count)
    if tool_calls:
        if agent.tool_use_behavior == "stop_on_first_tool":
            return TurnOutcome(final=True, final_output=tool_outputs[0])
        return TurnOutcome()
    if not messages:
        return TurnOutcome()  # e.g. only reasoning: ask again
    text = ItemHelpers.text_message_output(messages[-1])
    if agent.output_type is None or agent.output_type is str:
        return TurnOutcome(final=True, final_output=text)
    from .agent_output import AgentOutputSchema

    return TurnOutcome(
        final=True,
        final_output=AgentOutputSchema(agent.output_type).validate_json(text, agent.name),
    )


async def _run_tools(
    state: RunState, agent: Agent[Any], calls: list[tuple[FunctionTool, ResponseFunctionToolCall]]
) -> list[Any]:
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
    for (_, call), output in zip(calls, outputs, strict=False):
        raw = function_call_output(call.call_id, _model_text(output))
        state.add_item(ToolCallOutputItem(agent=agent, raw_item=raw, output=output), "tool_output")
    return outputs


def _model_text(output: Any) -> str:
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
    )
    with span:
        try:
            output = await tool.on_invoke_tool(ctx, call.arguments)
        except _ToolFailed as failed:
            # The model gets the error text and may retry; the span keeps the real exception.
            span.record_exception(failed.cause)
            output = failed.model_text
        if state.include_sensitive:
            span.span_data.output = _model_text(output)
        return output


async def _run_handoff(
    state: RunState,
    agent: Agent[Any],
    calls: list[tuple[Handoff, ResponseFunctionToolCall]],
    pre_turn_count: int,
) -> TurnOutcome:
    handoff, call = calls[0]
    for _, extra in calls[1:]:
        raw = function_call_output(extra.call_id, "Multiple handoffs detected, ignoring this one.")
        state.add_item(
            ToolCallOutputItem(agent=agent, raw_item=raw, output=raw["output"]), "tool_output"
        )
    span = handoff_span(from_agent=agent.name, disabled=state.config.tracing_disabled)
    with span:
        await handoff.on_invoke_handoff(state.context, call.arguments)
        span.span_data.to_agent = handoff.agent.name
    raw = function_call_output(call.call_id, json.dumps({"assistant": handoff.agent.name}))
    state.add_item(
        HandoffOutputItem(
            agent=agent, raw_item=raw, source_agent=agent, target_agent=handoff.agent
        ),
        "handoff_occured",
    )
    if handoff.input_filter is not None:
        filtered = handoff.input_filter(
            HandoffInputData(
                input_history=tuple(state.input_items),
                pre_handoff_items=tuple(state.generated_items[:pre_turn_count]),
                new_items=tuple(state.generated_items[pre_turn_count:]),
            )
        )
        state.replace_history(
            list(filtered.input_history),
            [*filtered.pre_handoff_items, *filtered.new_items],
        )
    return TurnOutcome(next_agent=handoff.agent)
