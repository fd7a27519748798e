"""An agent: a model with instructions, tools, handoffs, guardrails and an output type."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, TypeVar

from .agent_output import AgentOutputSchemaBase
from .guardrails import InputGuardrail, OutputGuardrail
from .handoffs import Handoff
from .model_settings import ModelSettings
from .models.interface import Model
from .run_context import RunContextWrapper
from .tools import (
    FunctionToolResult,
    IsEnabled,
    Tool,
    ToolErrorFunction,
    default_tool_error_function,
)

if TYPE_CHECKING:
    from .lifecycle import AgentHooks
    from .result import RunResult, RunResultStreaming
    from .run_config import RunConfig

TContext = TypeVar("TContext")


class StopAtTools(TypedDict):
    """`tool_use_behavior` that ends the run when one of these tools is called; its result is the
    final output."""

    stop_at_tool_names: list[str]


@dataclass
class ToolsToFinalOutputResult:
    """What a custom `tool_use_behavior` function decides about a turn's tool results.

    Attributes:
        is_final_output: True ends the run with `final_output`.
        final_output: The run's final output (when `is_final_output`).
    """

    is_final_output: bool
    final_output: Any = None


ToolsToFinalOutputFunction = Callable[
    [RunContextWrapper[Any], list[FunctionToolResult]],
    "ToolsToFinalOutputResult | Awaitable[ToolsToFinalOutputResult]",
]
"""A custom `tool_use_behavior`: (context, this turn's tool results) -> the decision."""

ToolUseBehavior = (
    Literal["run_llm_again", "stop_on_first_tool"] | StopAtTools | ToolsToFinalOutputFunction
)

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
        output_type: Type of the structured final output, or an `AgentOutputSchemaBase` (such as
            `AgentOutputSchema(T, strict_json_schema=False)`); None for plain text.
        tool_use_behavior: "run_llm_again" (the model sees tool results and answers),
            "stop_on_first_tool" (the first tool's result is the final output),
            `{"stop_at_tool_names": [...]}` (stop when one of these tools ran), or a function of
            (context, tool results) returning `ToolsToFinalOutputResult`.
        hooks: Callbacks on this agent's events (`AgentHooks`).
        reset_tool_choice: Once this agent has called tools in the run, its `tool_choice` is no
            longer sent (so a forced tool cannot loop forever).
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
    output_type: type[Any] | AgentOutputSchemaBase | None = None
    tool_use_behavior: ToolUseBehavior = "run_llm_again"
    hooks: AgentHooks[Any] | None = None
    reset_tool_choice: bool = True

    def __post_init__(self) -> None:
        from .exceptions import UserError

        if not isinstance(self.name, str) or not self.name:
            raise UserError("Agent needs a non-empty `name` string.")
        behavior = self.tool_use_behavior
        valid = (
            behavior in ("run_llm_again", "stop_on_first_tool")
            or (isinstance(behavior, dict) and isinstance(behavior.get("stop_at_tool_names"), list))
            or (callable(behavior) and not isinstance(behavior, str))
        )
        if not valid:
            raise UserError(
                f'Agent {self.name!r}: tool_use_behavior={behavior!r}; use "run_llm_again", '
                '"stop_on_first_tool", {"stop_at_tool_names": [...]} or a function of '
                "(context, tool results) returning ToolsToFinalOutputResult."
            )

    # Agents are compared and hashed by identity: two agents with the same fields are still two.
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    def clone(self, **kwargs: Any) -> Agent[TContext]:
        """A copy of this agent with some fields replaced."""
        return replace(self, **kwargs)

    def as_tool(
        self,
        tool_name: str | None,
        tool_description: str | None,
        custom_output_extractor: Callable[[RunResult | RunResultStreaming], Awaitable[str]]
        | None = None,
        is_enabled: IsEnabled = True,
        run_config: RunConfig | None = None,
        max_turns: int | None = None,
        failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    ) -> Tool:
        """This agent as a tool another agent calls: the tool runs this agent on the model's
        `input` and returns its final output; the caller keeps the conversation.

        The nested run shares the caller's context and usage, and its spans nest under the
        tool's function span in the caller's trace.

        Args:
            tool_name: The tool name; default the agent's name in snake case.
            tool_description: What the caller's model is told the tool does.
            custom_output_extractor: Turns the nested run's result into the tool's output.
            is_enabled: Whether the tool is offered (a bool, or a function of (context, agent)).
            run_config: The nested run's configuration; default the caller's.
            max_turns: The nested run's turn limit; default 10.
            failure_error_function: Turns a nested run's error into text for the caller's model;
                None lets the error end the caller's run.
        """
        from ._agent_tool import agent_as_tool

        return agent_as_tool(
            self,
            tool_name,
            tool_description,
            custom_output_extractor,
            is_enabled,
            run_config,
            max_turns,
            failure_error_function,
        )

    async def get_system_prompt(self, context: RunContextWrapper[TContext]) -> str | None:
        """The instructions for this turn (calls them when they are a function)."""
        if self.instructions is None or isinstance(self.instructions, str):
            return self.instructions
        result = self.instructions(context, self)
        if inspect.isawaitable(result):
            result = await result
        return str(result)
