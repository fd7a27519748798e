"""An agent: a model with instructions, tools, handoffs, guardrails and an output type."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, TypeVar

from .guardrails import InputGuardrail, OutputGuardrail
from .handoffs import Handoff
from .model_settings import ModelSettings
from .models.interface import Model
from .run_context import RunContextWrapper
from .tools import Tool

TContext = TypeVar("TContext")

Instructions = (
    str
    | Callable[[RunContextWrapper[Any], "Agent[Any]"], str]
    | Callable[[RunContextWrapper[Any], "Agent[Any]"], Awaitable[str]]
    | None
)


@dataclass
class Agent(Generic[TContext]):
    """A model configured with instructions, tools, handoffs and guardrails.

    Attributes:
        name: The agent's name (shown in traces and used for its handoff tool).
        instructions: The system prompt, or a sync/async function of (context, agent) returning it.
        handoff_description: What other agents are told about this one when they can hand off to it.
        tools: Function tools the model may call.
        handoffs: Agents (or `handoff(...)` objects) this agent can pass the conversation to.
        model: A model name for the run's model provider, or a `Model`; None for the default.
        model_settings: Sampling and tool settings.
        input_guardrails: Checks on the run's input when this agent starts the run.
        output_guardrails: Checks on this agent's final output.
        output_type: Type of the structured final output; None for plain text.
        tool_use_behavior: "run_llm_again" (the model sees tool results and answers) or
            "stop_on_first_tool" (the first tool's result is the final output).
    """

    name: str
    instructions: Instructions = None
    handoff_description: str | None = None
    tools: list[Tool] = field(default_factory=list)
    handoffs: list[Agent[Any] | Handoff] = field(default_factory=list)
    model: str | Model | None = None
    model_settings: ModelSettings = field(default_factory=ModelSettings)
    input_guardrails: list[InputGuardrail[TContext]] = field(default_factory=list)
    output_guardrails: list[OutputGuardrail[TContext]] = field(default_factory=list)
    output_type: type[Any] | None = None
    tool_use_behavior: Literal["run_llm_again", "stop_on_first_tool"] = "run_llm_again"

    def __post_init__(self) -> None:
        from .exceptions import UserError

        if not isinstance(self.name, str) or not self.name:
            raise UserError("Agent needs a non-empty `name` string.")
        if self.tool_use_behavior not in ("run_llm_again", "stop_on_first_tool"):
            raise UserError(
                f"Agent {self.name!r}: tool_use_behavior={self.tool_use_behavior!r}; "
                'use "run_llm_again" or "stop_on_first_tool".'
            )

    # Agents are compared and hashed by identity: two agents with the same fields are still two.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    def clone(self, **kwargs: Any) -> Agent[TContext]:
        """A copy of this agent with some fields replaced."""
        return replace(self, **kwargs)

    async def get_system_prompt(self, context: RunContextWrapper[TContext]) -> str | None:
        """The instructions for this turn (calls them when they are a function)."""
        if self.instructions is None or isinstance(self.instructions, str):
            return self.instructions
        result = self.instructions(context, self)
        if inspect.isawaitable(result):
            result = await result
        return str(result)
