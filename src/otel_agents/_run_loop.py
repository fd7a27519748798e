"""The agent loop: run an agent's turns until a final output, a handoff, or an error.

Spans: one agent span per agent that runs (the receiving agent of a handoff gets its own, beside
the first under the trace), guardrail spans under the agent span that runs them. Every span ends
exactly once, with the error where it happened; a cancelled run leaves no error, only the outcome
"cancelled" on its last agent span.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ._guardrails_run import run_output_guardrails, with_input_guardrails
from ._sdk_model import SdkModelAdapter, model_tracing, uses_sdk_interface
from ._state import RunState
from ._turn import TurnOutcome, call_model, process_response
from .agent_output import AgentOutputSchema
from .exceptions import (
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    OutputGuardrailTripwireTriggered,
)
from .handoffs import Handoff, as_handoff
from .lifecycle import notify
from .model_settings import ModelSettings
from .models.interface import Model, ModelRequest, ModelResponse, ToolSpec
from .run_error_handlers import handle_max_turns
from .stream_events import AgentUpdatedStreamEvent
from .tools import FunctionTool, is_enabled
from .tracing import Span, agent_span
from .tracing.span_data import AgentSpanData

if TYPE_CHECKING:
    from .agent import Agent

logger = logging.getLogger("otel_agents")


def resolve_model(state: RunState, agent: Agent[Any]) -> Model:
    """The model for this agent: the run config's, else the agent's, else the provider default."""
    choice = state.config.model if state.config.model is not None else agent.model
    if isinstance(choice, Model):
        return choice
    return state.config.get_model_provider().get_model(choice)


async def _enabled(
    state: RunState, agent: Agent[Any]
) -> tuple[list[FunctionTool], list[Handoff], list[ToolSpec]]:
    """The tools, handoffs and tool specs offered this turn.

    `is_enabled` functions are evaluated every turn; an agent whose tools and handoffs are all
    simply on gets the same lists for the whole run (this runs every turn).
    """
    cached = state.offered.get(id(agent))
    if cached is not None:
        return cached
    handoff_objects = [as_handoff(target) for target in agent.handoffs]
    static = all(t.is_enabled is True for t in agent.tools) and all(
        h.is_enabled is True for h in handoff_objects
    )
    tools = [
        t
        for t in agent.tools
        if t.is_enabled is True or await is_enabled(t.is_enabled, state.context, agent)
    ]
    handoffs = [
        h
        for h in handoff_objects
        if h.is_enabled is True or await is_enabled(h.is_enabled, state.context, agent)
    ]
    tools, handoffs = _resolve_collisions(tools, handoffs)
    offered = (tools, handoffs, _tool_specs(tools, handoffs))
    if static:
        state.offered[id(agent)] = offered
    return offered


def _resolve_collisions(
    tools: list[FunctionTool], handoffs: list[Handoff]
) -> tuple[list[FunctionTool], list[Handoff]]:
    """One tool per name, as in the SDK: the last handoff of that name wins, else the last tool;
    the others are not offered, and a warning names the collision."""
    names = [t.name for t in tools] + [h.tool_name for h in handoffs]
    if len(set(names)) == len(names):
        return tools, handoffs
    owners: dict[str, list[tuple[str, int]]] = {}
    for i, tool in enumerate(tools):
        owners.setdefault(tool.name, []).append(("tool", i))
    for i, h in enumerate(handoffs):
        owners.setdefault(h.tool_name, []).append(("handoff", i))
    dropped: set[tuple[str, int]] = set()
    for name, entries in owners.items():
        if len(entries) < 2:
            continue
        logger.warning(
            "%d tools and handoffs share the name %r; the model is offered only the last "
            "handoff (else the last tool) of that name. Give each a unique name.",
            len(entries),
            name,
        )
        kept = [e for e in entries if e[0] == "handoff"] or entries
        dropped.update(e for e in entries if e != kept[-1])
    if not dropped:
        return tools, handoffs
    return (
        [t for i, t in enumerate(tools) if ("tool", i) not in dropped],
        [h for i, h in enumerate(handoffs) if ("handoff", i) not in dropped],
    )


def _tool_specs(tools: list[FunctionTool], handoffs: list[Handoff]) -> list[ToolSpec]:
    specs = [
        ToolSpec(t.name, t.description, t.params_json_schema, t.strict_json_schema) for t in tools
    ]
    specs.extend(
        ToolSpec(h.tool_name, h.tool_description, h.input_json_schema, h.strict_json_schema)
        for h in handoffs
    )
    return specs


def _start_agent_span(state: RunState, agent: Agent[Any], model: Model) -> Span[AgentSpanData]:
    schema = AgentOutputSchema.of(agent.output_type)
    span = agent_span(
        name=agent.name,
        handoffs=[as_handoff(h).agent_name for h in agent.handoffs],
        tools=[t.name for t in agent.tools],
        output_type=None if schema.is_plain_text() else schema.name(),
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


def _outcome_of(exc: BaseException) -> str:
    if isinstance(exc, (asyncio.CancelledError, GeneratorExit)):
        return "cancelled"
    if isinstance(exc, MaxTurnsExceeded):
        return "max_turns"
    if isinstance(exc, (InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered)):
        return "guardrail_tripped"
    return "error"


def _settings(state: RunState, agent: Agent[Any]) -> ModelSettings:
    settings = agent.model_settings.resolve(state.config.model_settings)
    if agent.reset_tool_choice and id(agent) in state.used_tools and settings.tool_choice:
        # As the SDK: a forced tool choice would make the model call tools forever.
        settings = replace(settings, tool_choice=None)
    return settings


async def _turn(state: RunState, agent: Agent[Any], model: Model) -> TurnOutcome:
    """One turn: the model call (with the input guardrails on the first), then its outcome."""
    tools, handoffs, specs = await _enabled(state, agent)
    if uses_sdk_interface(model):
        tracing = model_tracing(state.config.tracing_disabled, state.include_sensitive)
        model = SdkModelAdapter(model, agent, tools, handoffs, tracing)
    schema = AgentOutputSchema.of(agent.output_type)
    request = ModelRequest(
        system_instructions=await agent.get_system_prompt(state.context),
        # A snapshot: the run goes on appending to its own list.
        input=list(state.model_input),
        settings=_settings(state, agent),
        tools=specs,
        output=None if schema.is_plain_text() else schema.spec(),
    )

    if state.hooks is not None or agent.hooks is not None:
        await notify(
            state,
            state.context,
            agent,
            "on_llm_start",
            "on_llm_start",
            request.system_instructions,
            list(request.input),
        )

    def call() -> Awaitable[ModelResponse]:
        return call_model(state, model, request)

    if state.current_turn == 1:
        response = await with_input_guardrails(state, agent, call)
    else:
        response = await call()
    state.context.usage.add(response.usage)
    if state.hooks is not None or agent.hooks is not None:
        await notify(state, state.context, agent, "on_llm_end", "on_llm_end", response)
    outcome = await process_response(state, agent, response, tools, handoffs)
    # As the SDK: a response the run could not act on is not among the run's responses.
    state.raw_responses.append(response)
    return outcome


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
            if state.stop_after_turn and state.current_turn > 0:
                # cancel(mode="after_turn"): the turn that was running has finished.
                if span is not None:
                    _end_agent_span(state, span, "cancelled")
                    span = None
                return
            if span is None:
                span = _start_agent_span(state, agent, model)
                if state.hooks is not None or agent.hooks is not None:
                    await notify(state, state.context, agent, "on_agent_start", "on_start")
            state.current_turn += 1
            if state.max_turns is not None and state.current_turn > state.max_turns:
                error = MaxTurnsExceeded(
                    f"Max turns ({state.max_turns}) exceeded: agent {agent.name!r} still had no "
                    "final output. Raise max_turns, or check the trace for a loop of tool calls "
                    "or handoffs."
                )
                if not await handle_max_turns(state, agent, error):
                    raise error
                # The error handler gave the final output: it ends the run like any other.
                outcome = TurnOutcome(final=True, final_output=state.final_output)
            else:
                outcome = await _turn(state, agent, model)
            if outcome.next_agent is not None:
                _end_agent_span(state, span, None)
                span = None
                state.current_agent = outcome.next_agent
                continue
            if outcome.final:
                if state.hooks is not None or agent.hooks is not None:
                    await notify(
                        state, state.context, agent, "on_agent_end", "on_end", outcome.final_output
                    )
                await run_output_guardrails(state, agent, outcome.final_output)
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
