"""Guardrails: checks on an agent's input or final output that can stop the run.

A guardrail function receives (context, agent, input or output) and returns
`GuardrailFunctionOutput(output_info, tripwire_triggered)`. When the tripwire fires the run stops
with `InputGuardrailTripwireTriggered` / `OutputGuardrailTripwireTriggered`, which carry the result.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from .models.interface import InputItem
from .run_context import RunContextWrapper

if TYPE_CHECKING:
    from .agent import Agent

TContext = TypeVar("TContext")


@dataclass
class GuardrailFunctionOutput:
    """A guardrail's verdict.

    Attributes:
        output_info: Anything the guardrail wants to report (kept in the result).
        tripwire_triggered: True stops the run.
    """

    output_info: Any
    tripwire_triggered: bool


InputGuardrailFunction = Callable[
    [RunContextWrapper[Any], "Agent[Any]", "str | list[InputItem]"],
    "GuardrailFunctionOutput | Awaitable[GuardrailFunctionOutput]",
]
OutputGuardrailFunction = Callable[
    [RunContextWrapper[Any], "Agent[Any]", Any],
    "GuardrailFunctionOutput | Awaitable[GuardrailFunctionOutput]",
]


async def _call(func: Callable[..., Any], *args: Any) -> GuardrailFunctionOutput:
    result = func(*args)
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, GuardrailFunctionOutput):
        from .exceptions import UserError

        raise UserError(
            f"Guardrail {getattr(func, '__name__', func)!r} returned {type(result).__name__}; "
            "it must return GuardrailFunctionOutput(output_info, tripwire_triggered)."
        )
    return result


@dataclass
class InputGuardrail(Generic[TContext]):
    """Checks the run's input when the starting agent runs.

    Attributes:
        guardrail_function: (context, agent, input) -> `GuardrailFunctionOutput`, sync or async.
        name: The guardrail's name in results and traces; default the function's name.
        run_in_parallel: True (default): runs alongside the agent's first model call, whose
            response is dropped when the tripwire fires; False: runs before the model is called.
    """

    guardrail_function: InputGuardrailFunction
    name: str | None = None
    run_in_parallel: bool = True

    def get_name(self) -> str:
        return self.name or str(getattr(self.guardrail_function, "__name__", "input_guardrail"))

    async def run(
        self, agent: Agent[Any], input: str | list[InputItem], context: RunContextWrapper[Any]
    ) -> InputGuardrailResult:
        """Runs the guardrail function (the SDK's argument order: agent, input, context)."""
        output = await _call(self.guardrail_function, context, agent, input)
        return InputGuardrailResult(guardrail=self, output=output)


@dataclass
class OutputGuardrail(Generic[TContext]):
    """Checks the agent's final output before the run returns it."""

    guardrail_function: OutputGuardrailFunction
    name: str | None = None

    def get_name(self) -> str:
        return self.name or str(getattr(self.guardrail_function, "__name__", "output_guardrail"))

    async def run(
        self, context: RunContextWrapper[Any], agent: Agent[Any], agent_output: Any
    ) -> OutputGuardrailResult:
        """Runs the guardrail function on the agent's final output."""
        output = await _call(self.guardrail_function, context, agent, agent_output)
        return OutputGuardrailResult(
            guardrail=self, agent_output=agent_output, agent=agent, output=output
        )


@dataclass
class InputGuardrailResult:
    """An input guardrail's result."""

    guardrail: InputGuardrail[Any]
    output: GuardrailFunctionOutput


@dataclass
class OutputGuardrailResult:
    """An output guardrail's result, with the output it checked."""

    guardrail: OutputGuardrail[Any]
    agent_output: Any
    agent: Agent[Any]
    output: GuardrailFunctionOutput


F = TypeVar("F", bound=Callable[..., Any])


@overload
def input_guardrail(func: F, /) -> InputGuardrail[Any]: ...
@overload
def input_guardrail(
    *, name: str | None = None, run_in_parallel: bool = True
) -> Callable[[F], InputGuardrail[Any]]: ...
def input_guardrail(
    func: F | None = None, /, *, name: str | None = None, run_in_parallel: bool = True
) -> InputGuardrail[Any] | Callable[[F], InputGuardrail[Any]]:
    """Makes an `InputGuardrail` from a function of (context, agent, input).

    `run_in_parallel=False` runs it before the agent's first model call instead of alongside.
    """

    def decorate(f: F) -> InputGuardrail[Any]:
        return InputGuardrail(guardrail_function=f, name=name, run_in_parallel=run_in_parallel)

    return decorate(func) if func is not None else decorate


@overload
def output_guardrail(func: F, /) -> OutputGuardrail[Any]: ...
@overload
def output_guardrail(*, name: str | None = None) -> Callable[[F], OutputGuardrail[Any]]: ...
def output_guardrail(
    func: F | None = None, /, *, name: str | None = None
) -> OutputGuardrail[Any] | Callable[[F], OutputGuardrail[Any]]:
    """Makes an `OutputGuardrail` from a function of (context, agent, output)."""

    def decorate(f: F) -> OutputGuardrail[Any]:
        return OutputGuardrail(guardrail_function=f, name=name)

    return decorate(func) if func is not None else decorate
