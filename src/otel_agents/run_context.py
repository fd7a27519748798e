"""The user's context object as tools, guardrails and instructions receive it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from openai.types.responses import ResponseFunctionToolCall

from .usage import Usage

if TYPE_CHECKING:
    from .agent import Agent
    from .run_config import RunConfig

TContext = TypeVar("TContext")


@dataclass
class RunContextWrapper(Generic[TContext]):
    """Wraps the `context` passed to `Runner.run`; never sent to the model.

    Attributes:
        context: The user's object (e.g. a database handle, the current user).
        usage: Token usage of the run so far.
    """

    context: TContext
    usage: Usage = field(default_factory=Usage)


def _required(name: str) -> Any:
    def missing() -> Any:
        raise ValueError(f"{name} must be passed to ToolContext")

    return field(default_factory=missing)


@dataclass(eq=False)
class ToolContext(RunContextWrapper[TContext]):
    """The context a function tool receives: the run's context plus which call this is.

    Attributes:
        tool_name: The name of the tool being called.
        tool_call_id: The model's id for this call.
        tool_arguments: The raw JSON arguments of this call.
        tool_call: The model's tool call, when the runner made this context.
        agent: The agent whose tool this is, when known.
        run_config: The run's configuration, when known.
    """

    tool_name: str = _required("tool_name")
    tool_call_id: str = _required("tool_call_id")
    tool_arguments: str = _required("tool_arguments")
    tool_call: ResponseFunctionToolCall | None = None
    agent: Agent[Any] | None = field(default=None, kw_only=True)
    run_config: RunConfig | None = field(default=None, kw_only=True)

    @classmethod
    def from_agent_context(
        cls,
        context: RunContextWrapper[TContext],
        tool_call_id: str,
        tool_call: ResponseFunctionToolCall | None = None,
        agent: Agent[Any] | None = None,
        *,
        tool_name: str | None = None,
        tool_arguments: str | None = None,
        run_config: RunConfig | None = None,
    ) -> ToolContext[TContext]:
        """A tool context sharing `context`'s user context and usage, for one tool call.

        The tool name and arguments come from the arguments, else from `tool_call`.

        Raises:
            ValueError: Neither gives the tool name or the arguments.
        """
        name = tool_name if tool_name is not None else (tool_call.name if tool_call else None)
        args = (
            tool_arguments
            if tool_arguments is not None
            else (tool_call.arguments if tool_call else None)
        )
        if name is None:
            raise ValueError("tool_name must be passed to ToolContext")
        if args is None:
            raise ValueError("tool_arguments must be passed to ToolContext")
        base = {f.name: getattr(context, f.name) for f in fields(RunContextWrapper) if f.init}
        if isinstance(context, ToolContext):
            agent = agent if agent is not None else context.agent
            run_config = run_config if run_config is not None else context.run_config
        return cls(
            **base,
            tool_name=name,
            tool_call_id=tool_call_id,
            tool_arguments=args,
            tool_call=tool_call,
            agent=agent,
            run_config=run_config,
        )
