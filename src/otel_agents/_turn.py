"""One turn of an agent: call the model, then act on what it answered.

A turn records a generation span for the model call, a function span per tool call, and a handoff
span when the model hands off; the loop in `_run_loop.py` decides what happens next.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseReasoningItem,
)

from ._tool_calls import final_output_from_tools, run_tools
from .agent_output import AgentOutputSchema
from .exceptions import ModelBehaviorError
from .handoffs import Handoff, HandoffInputData
from .items import (
    HandoffCallItem,
    HandoffOutputItem,
    ItemHelpers,
    MessageOutputItem,
    ReasoningItem,
    ToolCallItem,
    ToolCallOutputItem,
    function_call_output,
)
from .models.interface import Model, ModelRequest, ModelResponse
from .stream_events import RawResponsesStreamEvent
from .tools import FunctionTool
from .tracing import generation_span, handoff_span

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
            "cache_write_tokens": usage.cache_write_tokens,
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
    yielded = False
    gaps: list[float] = data.output_chunk_gaps
    completed = None
    done_items: list[Any] = []
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
                now = perf_counter()
                if deltas == 0:
                    first_delta = now
                else:
                    gaps.append(now - last_delta)
                last_delta = now
                deltas += 1
            elif kind == "response.output_item.done":
                done_items.append(event.item)  # type: ignore[union-attr]
            emit(RawResponsesStreamEvent(data=event))
            if state.pace is not None:
                await state.pace()  # a slow consumer slows the run; the queue stays bounded
            if deltas == 1 and not yielded:
                # Once per call: the consumer sees the first token now, and can cancel or break
                # before a reply the client had already buffered is consumed to the end.
                yielded = True
                await asyncio.sleep(0)
            if kind == "response.completed":
                completed = event.response  # type: ignore[union-attr]
                break  # the terminal event
            if kind in ("response.failed", "response.incomplete", "error", "response.error"):
                raise _stream_failure(event)
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
    if not completed.output and done_items:
        # Some servers stream the output items but leave the terminal response's output empty.
        completed.output = done_items
    return ModelResponse.from_response(completed)


def _stream_failure(event: Any) -> ModelBehaviorError:
    """A terminal stream event other than response.completed, named with its details."""
    kind = event.type
    message = f"Responses stream ended with terminal event `{kind}`."
    details: list[str] = []
    response = getattr(event, "response", None)
    if response is not None:
        for name in ("status", "error", "incomplete_details"):
            value = getattr(response, name, None)
            if value:
                details.append(f"{name}={value}")
    else:
        for name in ("code", "message", "param"):
            value = getattr(event, name, None)
            if value:
                details.append(f"{name}={value}")
    return ModelBehaviorError(f"{message} {'; '.join(details)}." if details else message)


async def process_response(
    state: RunState,
    agent: Agent[Any],
    response: ModelResponse,
    tools: list[FunctionTool],
    handoffs: list[Handoff],
) -> TurnOutcome:
    """Turns a model response into items, runs its tool calls and handoff, and decides what next.

    `tools` and `handoffs` are the ones enabled this turn; calling any other is an error of the
    model. Two handoffs with one tool name: the later one in `agent.handoffs` is used (as in the
    SDK).
    """
    tool_map = {tool.name: tool for tool in tools}
    handoff_map = {h.tool_name: h for h in handoffs}
    messages: list[MessageOutputItem] = []
    tool_calls: list[tuple[FunctionTool, ResponseFunctionToolCall]] = []
    handoff_calls: list[tuple[Handoff, ResponseFunctionToolCall]] = []
    pre_turn_count = len(state.generated_items)
    for output in response.output:
        if isinstance(output, ResponseOutputMessage):
            item = MessageOutputItem(agent=agent, raw_item=output)
            messages.append(item)
            state.add_item(item, "message_output_created")
        elif isinstance(output, ResponseReasoningItem):
            state.add_item(ReasoningItem(agent=agent, raw_item=output), "reasoning_item_created")
        elif isinstance(output, ResponseFunctionToolCall):
            if output.name in handoff_map:
                handoff_calls.append((handoff_map[output.name], output))
                state.add_item(HandoffCallItem(agent=agent, raw_item=output), "handoff_requested")
            elif output.name in tool_map:
                tool_calls.append((tool_map[output.name], output))
                state.add_item(ToolCallItem(agent=agent, raw_item=output), "tool_called")
            else:
                available = ", ".join(sorted([*tool_map, *handoff_map])) or "none"
                raise ModelBehaviorError(
                    f"Agent {agent.name!r}: the model called the tool {output.name!r}, which the "
                    f"agent does not have (its tools and handoffs: {available}). Give the agent "
                    "that tool or tell the model in the instructions which tools exist."
                )

    if tool_calls or handoff_calls:
        state.used_tools.add(id(agent))
    tool_results = await run_tools(state, agent, tool_calls)
    schema = AgentOutputSchema.of(agent.output_type)
    plain_text = schema.is_plain_text()

    if handoff_calls:
        return await _run_handoff(state, agent, handoff_calls, pre_turn_count)
    if tool_results:
        decided = await final_output_from_tools(state, agent, tool_results)
        if not decided.is_final_output:
            return TurnOutcome()
        final = decided.final_output
        # As the SDK: a plain-text agent's final output is text, whatever the tool returned.
        return TurnOutcome(final=True, final_output=str(final) if plain_text else final)
    if not messages:
        # As the SDK: a reply with neither a message nor a tool call ends a plain-text run with
        # "" (asking again could loop until max_turns); a structured output is asked for again.
        return TurnOutcome(final=True, final_output="") if plain_text else TurnOutcome()
    text = ItemHelpers.text_message_output(messages[-1])
    if plain_text:
        return TurnOutcome(final=True, final_output=text)
    if isinstance(schema, AgentOutputSchema):
        return TurnOutcome(final=True, final_output=schema.validate_json(text, agent.name))
    return TurnOutcome(final=True, final_output=schema.validate_json(text))


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
        target = await handoff.on_invoke_handoff(state.context, call.arguments)
        span.span_data.to_agent = target.name
    if state.hooks is not None:
        await state.hooks.on_handoff(state.context, agent, target)
    if agent.hooks is not None:
        # As the SDK: the handing-off agent's hooks hear of it (agent=target, source=agent).
        await agent.hooks.on_handoff(state.context, target, agent)
    raw = function_call_output(call.call_id, handoff.get_transfer_message(target))
    state.add_item(
        HandoffOutputItem(agent=agent, raw_item=raw, source_agent=agent, target_agent=target),
        "handoff_occured",
    )
    input_filter = handoff.input_filter or state.config.handoff_input_filter
    if input_filter is not None:
        filtered = input_filter(
            HandoffInputData(
                # As the SDK: a run started with a string sees that string here.
                input_history=state.original_input
                if isinstance(state.original_input, str) and not state.history_filtered
                else tuple(state.input_items),
                pre_handoff_items=tuple(state.generated_items[:pre_turn_count]),
                new_items=tuple(state.generated_items[pre_turn_count:]),
                run_context=state.context,
            )
        )
        if inspect.isawaitable(filtered):
            filtered = await filtered
        state.replace_history(
            ItemHelpers.input_to_new_input_list(filtered.input_history),
            [*filtered.pre_handoff_items, *filtered.new_items],
        )
    return TurnOutcome(next_agent=target)
