"""`Runner`: runs an agent, awaited, blocking, or streamed (settings: `run_config.RunConfig`).

Each run is traced: it opens its own trace (named by `RunConfig.workflow_name`) unless one is
already current, in which case its spans join that trace. A streamed run executes in a task of
its own; its trace covers the whole stream and ends when the run ends, however it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ._run_loop import run_loop
from ._state import RunState
from .agent import Agent
from .exceptions import AgentsException, RunErrorDetails, UserError
from .items import ItemHelpers
from .lifecycle import RunHooks
from .models.interface import InputItem
from .result import RunResult, RunResultStreaming
from .run_config import RunConfig
from .run_context import RunContextWrapper
from .run_error_handlers import RunErrorHandlers, check_handlers
from .tracing import Trace, get_current_trace, trace

DEFAULT_MAX_TURNS = 10

__all__ = ["DEFAULT_MAX_TURNS", "RunConfig", "Runner"]


def _new_state(
    agent: Agent[Any],
    input: str | Sequence[InputItem],
    context: Any,
    max_turns: int | None,
    run_config: RunConfig | None,
) -> RunState:
    if not isinstance(agent, Agent):
        raise UserError(f"Runner needs an Agent as its first argument, got {type(agent).__name__}.")
    if max_turns is not None and max_turns < 1:
        raise UserError(f"max_turns must be at least 1, got {max_turns}.")
    config = run_config or RunConfig()
    original: str | list[InputItem] = input if isinstance(input, str) else list(input)
    return RunState(
        config=config,
        # A wrapper is used as is (as in the SDK): an agent run as a tool shares its caller's.
        context=context if isinstance(context, RunContextWrapper) else RunContextWrapper(context),
        original_input=original,
        input_items=ItemHelpers.input_to_new_input_list(input),
        current_agent=agent,
        max_turns=max_turns,
        include_sensitive=config.trace_include_sensitive_data,
    )


def _open_trace(config: RunConfig) -> Trace | None:
    """Starts the run's own trace, unless a trace is already current (then spans join it)."""
    if get_current_trace() is not None:
        return None
    run_trace = trace(
        workflow_name=config.workflow_name,
        trace_id=config.trace_id,
        group_id=config.group_id,
        metadata=config.trace_metadata,
        disabled=config.tracing_disabled,
    )
    run_trace.opened_by_runner = True
    run_trace.start(mark_as_current=True)
    return run_trace


async def _traced(state: RunState) -> None:
    run_trace = _open_trace(state.config)
    try:
        await run_loop(state)
    except Exception as exc:
        if run_trace is not None:
            run_trace.record_exception(exc)
        if isinstance(exc, AgentsException) and exc.run_data is None:
            exc.run_data = RunErrorDetails(
                input=state.original_input,
                new_items=list(state.generated_items),
                raw_responses=list(state.raw_responses),
                last_agent=state.current_agent,
                context_wrapper=state.context,
                input_guardrail_results=list(state.input_guardrail_results),
                output_guardrail_results=list(state.output_guardrail_results),
            )
        raise
    finally:
        if run_trace is not None:
            run_trace.finish(reset_current=True)


def _fill(result: RunResult | RunResultStreaming, state: RunState) -> None:
    result.new_items = state.generated_items
    result.raw_responses = state.raw_responses
    result.final_output = state.final_output
    result.input_guardrail_results = state.input_guardrail_results
    result.output_guardrail_results = state.output_guardrail_results
    result.usage = state.context.usage
    result.tool_input_guardrail_results = state.tool_input_guardrail_results
    result.tool_output_guardrail_results = state.tool_output_guardrail_results
    result.context_wrapper = state.context
    if isinstance(result, RunResultStreaming):
        result.current_turn = state.current_turn
        result.max_turns = state.max_turns


class Runner:
    """Runs agents. Every method runs the agent loop until a final output:

    1. The agent's model is called with its instructions and the conversation so far.
    2. A final output (text, or the agent's `output_type`) ends the run.
    3. A handoff moves the conversation to another agent, and the loop goes on.
    4. Tool calls are run, their results added, and the loop goes on.
    """

    @classmethod
    async def run(
        cls,
        starting_agent: Agent[Any],
        input: str | Sequence[InputItem],
        *,
        context: Any = None,
        max_turns: int | None = DEFAULT_MAX_TURNS,
        hooks: RunHooks[Any] | None = None,
        run_config: RunConfig | None = None,
        error_handlers: RunErrorHandlers | None = None,
    ) -> RunResult:
        """Runs the agent loop and returns its result.

        Raises:
            MaxTurnsExceeded: No final output within `max_turns` model calls.
            InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered: A tripwire fired.
            ModelBehaviorError: The model called an unknown tool or sent invalid output.
            UserError: The agents or the configuration are wrong.
        """
        state = _new_state(starting_agent, input, context, max_turns, run_config)
        state.hooks = hooks
        check_handlers(error_handlers)
        state.error_handlers = error_handlers
        await _traced(state)
        result = RunResult(
            input=state.original_input,
            last_agent=state.current_agent,
            usage=state.context.usage,
            context_wrapper=state.context,
        )
        _fill(result, state)
        return result

    @classmethod
    def run_sync(
        cls,
        starting_agent: Agent[Any],
        input: str | Sequence[InputItem],
        *,
        context: Any = None,
        max_turns: int | None = DEFAULT_MAX_TURNS,
        hooks: RunHooks[Any] | None = None,
        run_config: RunConfig | None = None,
        error_handlers: RunErrorHandlers | None = None,
    ) -> RunResult:
        """`run` for code without an event loop (a script, a thread)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise UserError(
                "Runner.run_sync was called inside a running event loop; use "
                "`await Runner.run(...)` there."
            )
        return asyncio.run(
            cls.run(
                starting_agent,
                input,
                context=context,
                max_turns=max_turns,
                hooks=hooks,
                run_config=run_config,
                error_handlers=error_handlers,
            )
        )

    @classmethod
    def run_streamed(
        cls,
        starting_agent: Agent[Any],
        input: str | Sequence[InputItem],
        *,
        context: Any = None,
        max_turns: int | None = DEFAULT_MAX_TURNS,
        hooks: RunHooks[Any] | None = None,
        run_config: RunConfig | None = None,
        error_handlers: RunErrorHandlers | None = None,
    ) -> RunResultStreaming:
        """Starts the run in the background and returns at once; read `stream_events()`.

        The run's errors (MaxTurnsExceeded, tripwires, model errors) are raised from
        `stream_events()` after the events already produced.
        """
        state = _new_state(starting_agent, input, context, max_turns, run_config)
        state.hooks = hooks
        check_handlers(error_handlers)
        state.error_handlers = error_handlers
        result = RunResultStreaming(
            input=state.original_input,
            current_agent=starting_agent,
            usage=state.context.usage,
            context_wrapper=state.context,
        )
        state.emit = result._push
        state.pace = result._room_for_more
        _fill(result, state)

        async def body() -> None:
            error: BaseException | None = None
            try:
                await _traced(state)
            except asyncio.CancelledError:
                pass  # cancel(): the stream just ends
            except Exception as exc:
                error = exc
            finally:
                result.current_agent = state.current_agent
                _fill(result, state)
                result._finish(error)

        def track_agent(agent: Agent[Any]) -> None:
            result.current_agent = agent

        state.on_agent = track_agent

        def stop_after_turn() -> None:
            state.stop_after_turn = True

        result._stop_after_turn = stop_after_turn
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise UserError(
                "Runner.run_streamed needs a running event loop: call it inside an async "
                "function (e.g. one started by asyncio.run)."
            ) from None
        result._task = loop.create_task(body())
        return result
