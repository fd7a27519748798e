"""Errors raised by otel-agents. Every message names the thing at fault and what to do.

```
AgentsException                       root: catch this to catch everything below
├── MaxTurnsExceeded                  `max_turns` model calls without a final output
├── ModelBehaviorError                the model did something the run cannot follow: an
│   │                                 unknown tool, malformed arguments, invalid structured
│   │                                 output, a broken stream
│   └── ModelTimeoutError             a model call hit its deadline or its idle timeout
├── UserError                         the library was used wrongly (bad agent, bad config)
├── ToolTimeoutError                  a tool ran past its `timeout` (raise_exception behavior)
├── InputGuardrailTripwireTriggered   an input guardrail's tripwire fired
└── OutputGuardrailTripwireTriggered  an output guardrail's tripwire fired
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .agent import Agent
    from .guardrails import InputGuardrailResult, OutputGuardrailResult
    from .items import RunItem
    from .models.interface import InputItem, ModelResponse
    from .run_context import RunContextWrapper


@dataclass
class RunErrorDetails:
    """What a run had produced when an error ended it (an exception's `run_data`)."""

    input: str | list[InputItem]
    new_items: list[RunItem]
    raw_responses: list[ModelResponse]
    last_agent: Agent[Any]
    context_wrapper: RunContextWrapper[Any]
    input_guardrail_results: list[InputGuardrailResult]
    output_guardrail_results: list[OutputGuardrailResult]


class AgentsException(Exception):
    """Root of every otel-agents error.

    Attributes:
        run_data: What the run had produced when it failed (items, responses, last agent), when
            the error ended a run; None otherwise.
    """

    run_data: RunErrorDetails | None = None


class MaxTurnsExceeded(AgentsException):
    """The run reached `max_turns` without a final output."""


class ModelBehaviorError(AgentsException):
    """The model produced something the run cannot follow (unknown tool, bad arguments, ...)."""


class ModelTimeoutError(ModelBehaviorError):
    """A model call hit its deadline or its idle timeout: the server stalled or sent too slowly.

    Attributes:
        limit: "idle_timeout" (the stream stayed silent) or "timeout" (the call's deadline).
        seconds: The limit that was hit, in seconds.
        events: Stream events received before it hit; 0 means the server never answered.
        server_address: Host of the model server, when known.
        server_port: Its port, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: str = "timeout",
        seconds: float = 0.0,
        events: int = 0,
        server_address: str | None = None,
        server_port: int | None = None,
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.seconds = seconds
        self.events = events
        self.server_address = server_address
        self.server_port = server_port


class ToolTimeoutError(AgentsException):
    """A function tool ran longer than its `timeout` (with `timeout_behavior="raise_exception"`).

    Attributes:
        tool_name: The tool.
        timeout_seconds: Its timeout.
    """

    def __init__(self, tool_name: str, timeout_seconds: float) -> None:
        self.tool_name = tool_name
        self.timeout_seconds = timeout_seconds
        super().__init__(f"Tool '{tool_name}' timed out after {timeout_seconds:g} seconds.")


class UserError(AgentsException):
    """The library was used in a way it does not support; the message says how to fix it."""


class InputGuardrailTripwireTriggered(AgentsException):
    """An input guardrail's tripwire fired; the run stopped before (or while) the agent ran.

    Attributes:
        guardrail_result: The result of the guardrail that fired.
    """

    def __init__(self, guardrail_result: InputGuardrailResult) -> None:
        self.guardrail_result = guardrail_result
        super().__init__(
            f"Input guardrail {guardrail_result.guardrail.get_name()!r} triggered its tripwire"
        )


class OutputGuardrailTripwireTriggered(AgentsException):
    """An output guardrail's tripwire fired on the agent's final output.

    Attributes:
        guardrail_result: The result of the guardrail that fired.
    """

    def __init__(self, guardrail_result: OutputGuardrailResult) -> None:
        self.guardrail_result = guardrail_result
        super().__init__(
            f"Output guardrail {guardrail_result.guardrail.get_name()!r} triggered its tripwire"
        )


def exception_message(exc: BaseException) -> str:
    """`str(exc)`, or a stand-in naming the type when the exception's own `__str__` raises."""
    try:
        return str(exc)
    except Exception:
        return f"<{type(exc).__name__}: its message could not be read (str() raised)>"
