"""Tool guardrails: checks around one function tool call, attached to the tool
(`function_tool(tool_input_guardrails=[...], tool_output_guardrails=[...])`).

A check returns `ToolGuardrailFunctionOutput`: `allow()`, `reject_content(message)` (the model
reads `message` instead of the tool's result; an input check then skips the tool), or
`raise_exception()` (the run ends with `ToolInputGuardrailTripwireTriggered` /
`ToolOutputGuardrailTripwireTriggered`). The same shape as the OpenAI Agents SDK's.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, TypeVar, overload

from .exceptions import AgentsException, UserError
from .run_context import ToolContext

if TYPE_CHECKING:
    from .agent import Agent

TContext = TypeVar("TContext")


class RejectContentBehavior(TypedDict):
    type: Literal["reject_content"]
    message: str


class RaiseExceptionBehavior(TypedDict):
    type: Literal["raise_exception"]


class AllowBehavior(TypedDict):
    type: Literal["allow"]


@dataclass
class ToolGuardrailFunctionOutput:
    """A tool guardrail's verdict; build it with `allow()`, `reject_content()` or
    `raise_exception()`."""

    output_info: Any = None
    behavior: RejectContentBehavior | RaiseExceptionBehavior | AllowBehavior = field(
        default_factory=lambda: AllowBehavior(type="allow")
    )

    @classmethod
    def allow(cls, output_info: Any = None) -> ToolGuardrailFunctionOutput:
        """Let the call (or its result) through."""
        return cls(output_info=output_info, behavior=AllowBehavior(type="allow"))

    @classmethod
    def reject_content(cls, message: str, output_info: Any = None) -> ToolGuardrailFunctionOutput:
        """The model reads `message` instead; the run goes on."""
        return cls(
            output_info=output_info,
            behavior=RejectContentBehavior(type="reject_content", message=message),
        )

    @classmethod
    def raise_exception(cls, output_info: Any = None) -> ToolGuardrailFunctionOutput:
        """End the run with the tripwire exception."""
        return cls(output_info=output_info, behavior=RaiseExceptionBehavior(type="raise_exception"))


@dataclass
class ToolInputGuardrailData:
    """What a tool input guardrail sees: the call's `ToolContext` (name, id, arguments) and the
    agent."""

    context: ToolContext[Any]
    agent: Agent[Any]


@dataclass
class ToolOutputGuardrailData(ToolInputGuardrailData):
    """What a tool output guardrail sees: the input data plus the tool's `output`."""

    output: Any


async def _check(func: Callable[..., Any], data: Any, name: str) -> ToolGuardrailFunctionOutput:
    result = func(data)
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, ToolGuardrailFunctionOutput):
        raise UserError(
            f"Tool guardrail {name!r} returned {type(result).__name__}; return "
            "ToolGuardrailFunctionOutput.allow(), .reject_content(message) or .raise_exception()."
        )
    return result


@dataclass
class ToolInputGuardrail(Generic[TContext]):
    """Checks a tool call before the tool runs."""

    guardrail_function: Callable[[ToolInputGuardrailData], Any]
    name: str | None = None

    def get_name(self) -> str:
        return self.name or str(getattr(self.guardrail_function, "__name__", "tool_input"))

    async def run(self, data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
        return await _check(self.guardrail_function, data, self.get_name())


@dataclass
class ToolOutputGuardrail(Generic[TContext]):
    """Checks a tool's result before the model reads it."""

    guardrail_function: Callable[[ToolOutputGuardrailData], Any]
    name: str | None = None

    def get_name(self) -> str:
        return self.name or str(getattr(self.guardrail_function, "__name__", "tool_output"))

    async def run(self, data: ToolOutputGuardrailData) -> ToolGuardrailFunctionOutput:
        return await _check(self.guardrail_function, data, self.get_name())


@dataclass
class ToolInputGuardrailResult:
    guardrail: ToolInputGuardrail[Any]
    output: ToolGuardrailFunctionOutput


@dataclass
class ToolOutputGuardrailResult:
    guardrail: ToolOutputGuardrail[Any]
    output: ToolGuardrailFunctionOutput


class ToolInputGuardrailTripwireTriggered(AgentsException):
    """A tool input guardrail raised: the tool did not run."""

    def __init__(self, guardrail: ToolInputGuardrail[Any], output: ToolGuardrailFunctionOutput):
        self.guardrail = guardrail
        self.output = output
        super().__init__(f"Tool input guardrail {guardrail.get_name()!r} triggered its tripwire")


class ToolOutputGuardrailTripwireTriggered(AgentsException):
    """A tool output guardrail raised: the model did not get the tool's result."""

    def __init__(self, guardrail: ToolOutputGuardrail[Any], output: ToolGuardrailFunctionOutput):
        self.guardrail = guardrail
        self.output = output
        super().__init__(f"Tool output guardrail {guardrail.get_name()!r} triggered its tripwire")


F = TypeVar("F", bound=Callable[..., Any])


@overload
def tool_input_guardrail(func: F, /) -> ToolInputGuardrail[Any]: ...
@overload
def tool_input_guardrail(*, name: str | None = None) -> Callable[[F], ToolInputGuardrail[Any]]: ...
def tool_input_guardrail(
    func: F | None = None, /, *, name: str | None = None
) -> ToolInputGuardrail[Any] | Callable[[F], ToolInputGuardrail[Any]]:
    """Makes a `ToolInputGuardrail` from a function of `ToolInputGuardrailData`."""

    def decorate(f: F) -> ToolInputGuardrail[Any]:
        return ToolInputGuardrail(guardrail_function=f, name=name)

    return decorate(func) if func is not None else decorate


@overload
def tool_output_guardrail(func: F, /) -> ToolOutputGuardrail[Any]: ...
@overload
def tool_output_guardrail(
    *, name: str | None = None
) -> Callable[[F], ToolOutputGuardrail[Any]]: ...
def tool_output_guardrail(
    func: F | None = None, /, *, name: str | None = None
) -> ToolOutputGuardrail[Any] | Callable[[F], ToolOutputGuardrail[Any]]:
    """Makes a `ToolOutputGuardrail` from a function of `ToolOutputGuardrailData`."""

    def decorate(f: F) -> ToolOutputGuardrail[Any]:
        return ToolOutputGuardrail(guardrail_function=f, name=name)

    return decorate(func) if func is not None else decorate
