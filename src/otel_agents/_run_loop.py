"""The agent loop: run an agent's turns until a final output, a handoff, or an error.

Spans: one agent span per agent that runs (the receiving agent of a handoff gets its own, beside
the first under the trace), guardrail spans under the agent span that runs them. Every span ends
exactly once, with the error where it happened; a cancelled run leaves no error, only the outcome
"cancelled" on its last agent span.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ._state import RunState
from ._turn import call_model, process_response
from .agent_output import AgentOutputSchema
from .exceptions import (
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    OutputGuardrailTripwireTriggered,
)
from .handoffs import as_handoff
from .models.interface import Model, ModelRequest, ToolSpec
from .stream_events import AgentUpdatedStreamEvent
from .tracing import Span, agent_span, guardrail_span
from .tracing.span_data import AgentSpanData

if TYPE_CHECKING:
    from .agent import Agent


def resolve_model(state: RunState, agent: Agent[Any]) -> Model:
    """The model for this agent: the run config's, else the agent's, else the provider default."""
    choice = state.config.model if state.config.model is not None else agent.model
    if isinstance(choice, Model):
        return choice
    return state.config.get_model_provider().get_model(choice)


def _tool_specs(state: RunState, agent: Agent[Any]) -> list[ToolSpec]:
    specs = state.tool_specs.get(id(agent))
    if specs is None:
        specs = [
            ToolSpec(t.name, t.description, t.params_json_schema, t.strict_json_schema)
            for t in agent.tools
        ]
        for target in agent.handoffs:
            h = as_handoff(target)
            specs.append(
                ToolSpec(h.tool_name, h.tool_description, h.input_json_schema, h.strict_json_schema)
            )
        state.tool_specs[id(agent)] = specs
    return specs


def _start_agent_span(state: RunState, agent: Agent[Any], model: Model) -> Span[AgentSpanData]:
    span = agent_span(
        name=agent.name,
        handoffs=[as_handoff(h).agent_name for h in agent.handoffs],
        tools=[t.name for t in agent.tools],
        output_type=getattr(agent.output_type, "__name__", None) if agent.output_type else None,
        model=model.model_name,
        provider=model.provider_name,
        disabled=state.config.tracing_disabled,
    )
    span.start(mark_as_current=True)
    state.event_counts = {}
    if state.on_agent is not None:
        state.on_agent(agent)
    if state.emit is not None:
        state.emit(AgentUpdatedStreamEvent(new_agent=agent))
        state.event_counts[("agent_updated_stream_event", "")] = 1
    return span


def _end_agent_span(state: RunState, span: Span[AgentSpanData], outcome: str | None) -> None:
    data = span.span_data
    data.run_outcome = outcome
    if state.event_counts:
        data.stream_events = {
            f"{kind}:{name}" if name else kind: n for (kind, name), n in state.event_counts.items()
        }
    span.finish(reset_current=True)


async def _run_input_guardrails(state: RunState, agent: Agent[Any]) -> None:
    guardrails = [*state.config.input_guardrails, *agent.input_guardrails]
    for guardrail in guardrails:
        span = guardrail_span(
            guardrail.get_name(), kind="input", disabled=state.config.tracing_disabled
        )
        with span:
            result = await guardrail.run(state.context, agent, state.original_input)
            state.input_guardrail_results.append(result)
            span.span_data.triggered = result.output.tripwire_triggered
            if result.output.tripwire_triggered:
                raise InputGuardrailTripwireTriggered(result)


async def _run_output_guardrails(state: RunState, agent: Agent[Any], output: Any) -> None:
    guardrails = [*state.config.output_guardrails, *agent.output_guardrails]
    for guardrail in guardrails:
        span = guardrail_span(
            guardrail.get_name(), kind="output", disabled=state.config.tracing_disabled
        )
        with span:
            result = await guardrail.run(state.context, agent, output)
            state.output_guardrail_results.append(result)
            span.span_data.triggered = result.output.tripwire_triggered
            if result.output.tripwire_triggered:
                raise OutputGuardrailTripwireTriggered(result)


def _outcome_of(exc: BaseException) -> str:
    if isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
        return "cancelled"
    if isinstance(exc, MaxTurnsExceeded):
        return "max_turns"
    if isinstance(exc, (InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered)):
        return "guardrail_tripped"
    return "error"


async def run_loop(state: RunState) -> None:
    """Runs the agents until one produces a final output; fills `state` as it goes.

    Raises:
        MaxTurnsExceeded: More than `max_turns` model calls were needed.
        InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered: A tripwire fired.
        ModelBehaviorError: The model did something the run cannot follow.
    """
    span: Span[AgentSpanData] | None = None
    try:
        while True:
            agent = state.current_agent
            model = resolve_model(state, agent)
            if span is None:
                span = _start_agent_span(state, agent, model)
            if state.current_turn == 0:
                await _run_input_guardrails(state, agent)
            state.current_turn += 1
            if state.current_turn > state.max_turns:
                raise MaxTurnsExceeded(
                    f"Max turns ({state.max_turns}) exceeded: agent {agent.name!r} still had no "
                    "final output. Raise max_turns, or check the trace for a loop of tool calls "
                    "or handoffs."
                )
            settings = agent.model_settings.resolve(state.config.model_settings)
            request = ModelRequest(
                system_instructions=await agent.get_system_prompt(state.context),
                # A snapshot: the run goes on appending to its own list.
                input=list(state.model_input),
                settings=settings,
                tools=_tool_specs(state, agent),
                output=AgentOutputSchema(agent.output_type).spec()
                if agent.output_type not in (None, str)
                else None,
            )
            response = await call_model(state, model, request)
            state.raw_responses.append(response)
            state.context.usage.add(response.usage)
            outcome = await process_response(state, agent, response)
            if outcome.next_agent is not None:
                _end_agent_span(state, span, None)
                span = None
                state.current_agent = outcome.next_agent
                continue
            if outcome.final:
                await _run_output_guardrails(state, agent, outcome.final_output)
                state.final_output = outcome.final_output
                _end_agent_span(state, span, "success")
                span = None
                return
    except BaseException as exc:
        if span is not None:
            if not isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
                span.record_exception(exc)
            _end_agent_span(state, span, _outcome_of(exc))
        raise
