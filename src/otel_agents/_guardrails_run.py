"""Running guardrails inside a run: input guardrails at the starting agent's first turn, output
guardrails on a final output. Each guardrail gets a guardrail span under the agent span.

Input guardrails with `run_in_parallel=True` (the default) run alongside the first model call;
the others run before it. When a tripwire fires, the run stops before the model's response is
acted on (no tool runs, no handoff).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .exceptions import InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered
from .guardrails import InputGuardrail
from .tracing import guardrail_span

if TYPE_CHECKING:
    from ._state import RunState
    from .agent import Agent

T = TypeVar("T")


async def _one_input(state: RunState, agent: Agent[Any], guardrail: InputGuardrail[Any]) -> None:
    span = guardrail_span(
        guardrail.get_name(), kind="input", disabled=state.config.tracing_disabled
    )
    with span:
        result = await guardrail.run(agent, state.original_input, state.context)
        state.input_guardrail_results.append(result)
        span.span_data.triggered = result.output.tripwire_triggered
        if result.output.tripwire_triggered:
            raise InputGuardrailTripwireTriggered(result)


async def with_input_guardrails(
    state: RunState, agent: Agent[Any], call: Callable[[], Awaitable[T]]
) -> T:
    """Runs the input guardrails around `call()` (the first model call) and returns its result.

    Raises:
        InputGuardrailTripwireTriggered: A tripwire fired (`call` is then cancelled or dropped).
    """
    guardrails = [*state.config.input_guardrails, *agent.input_guardrails]
    for guardrail in guardrails:
        if not guardrail.run_in_parallel:
            await _one_input(state, agent, guardrail)
    parallel = [g for g in guardrails if g.run_in_parallel]
    if not parallel:
        return await call()
    # The checks start first, so their spans precede the model call's in the trace.
    checks = asyncio.ensure_future(asyncio.gather(*(_one_input(state, agent, g) for g in parallel)))
    call_task = asyncio.ensure_future(call())
    try:
        await checks
    except BaseException:
        call_task.cancel()
        await asyncio.gather(call_task, return_exceptions=True)
        raise
    return await call_task


async def run_output_guardrails(state: RunState, agent: Agent[Any], output: Any) -> None:
    """Runs the run's and the agent's output guardrails on a final output, in order.

    Raises:
        OutputGuardrailTripwireTriggered: A tripwire fired.
    """
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
