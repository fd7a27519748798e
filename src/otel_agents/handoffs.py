"""Handoffs: an agent passes the conversation to another agent by calling a tool.

Each handoff target is offered to the model as the tool `transfer_to_<agent name in snake case>`.
`handoff(...)` customises the tool name, runs a callback when the handoff happens, and can filter
the conversation the receiving agent sees.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from ._naming import transfer_tool_name
from ._schema import make_strict
from .exceptions import ModelBehaviorError
from .items import RunItem
from .models.interface import InputItem
from .run_context import RunContextWrapper
from .tools import parse_arguments

if TYPE_CHECKING:
    from .agent import Agent


@dataclass(frozen=True)
class HandoffInputData:
    """The conversation at a handoff, which an `input_filter` may trim.

    Attributes:
        input_history: The run's input (a string when the run was started with one; items
            once an earlier filter replaced it).
        pre_handoff_items: Items generated before the turn that handed off.
        new_items: Items of the turn that handed off (the handoff call and its output included).
        run_context: The run's context at the handoff.
    """

    input_history: str | tuple[InputItem, ...]
    pre_handoff_items: tuple[RunItem, ...]
    new_items: tuple[RunItem, ...]
    run_context: RunContextWrapper[Any] | None = None

    def clone(self, **kwargs: Any) -> HandoffInputData:
        """A copy with some fields replaced."""
        return replace(self, **kwargs)


HandoffInputFilter = Callable[[HandoffInputData], "HandoffInputData | Awaitable[HandoffInputData]"]
"""Trims what the receiving agent of a handoff sees (sync or async)."""


@dataclass
class Handoff:
    """A handoff the model can call (the OpenAI Agents SDK's fields).

    Attributes:
        tool_name: The tool name the model calls.
        tool_description: What the model is told about the target.
        input_json_schema: JSON schema of the tool's arguments.
        on_invoke_handoff: Called with the context and the raw JSON arguments when the model hands
            off; runs the user's `on_handoff` callback and returns the agent that takes over.
        agent_name: The name of the agent that receives the conversation.
        input_filter: Trims the conversation the target sees, or None to pass it all.
        strict_json_schema: Whether the argument schema is strict.
        is_enabled: Whether the model is offered this handoff: a bool, or a sync/async function
            of (context, agent) evaluated every turn.
    """

    tool_name: str
    tool_description: str
    input_json_schema: dict[str, Any]
    on_invoke_handoff: Callable[[RunContextWrapper[Any], str], Awaitable[Agent[Any]]]
    agent_name: str
    input_filter: HandoffInputFilter | None = None
    strict_json_schema: bool = True
    is_enabled: bool | Callable[[RunContextWrapper[Any], Agent[Any]], Any] = True

    def get_transfer_message(self, agent: Agent[Any]) -> str:
        """What the handing-off model reads as the handoff tool's result."""
        return json.dumps({"assistant": agent.name})

    @classmethod
    def default_tool_name(cls, agent: Agent[Any]) -> str:
        """The tool name offered for `agent` when none is given: transfer_to_<snake case name>."""
        return transfer_tool_name(agent.name)

    @classmethod
    def default_tool_description(cls, agent: Agent[Any]) -> str:
        """The tool description offered for `agent` when none is given (the SDK's wording)."""
        return (
            f"Handoff to the {agent.name} agent to handle the request. "
            f"{agent.handoff_description or ''}"
        )


def handoff(
    agent: Agent[Any],
    *,
    tool_name_override: str | None = None,
    tool_description_override: str | None = None,
    on_handoff: Callable[..., Any] | None = None,
    input_type: type[Any] | None = None,
    input_filter: HandoffInputFilter | None = None,
    is_enabled: bool | Callable[[RunContextWrapper[Any], Agent[Any]], Any] = True,
) -> Handoff:
    """Makes a handoff to `agent`.

    Args:
        agent: The agent to hand off to.
        tool_name_override: Tool name; default `transfer_to_<agent name in snake case>`.
        tool_description_override: Tool description for the model.
        on_handoff: Called when the handoff happens: `(context)` or, with `input_type`,
            `(context, input)`; sync or async.
        input_type: Type of the data the model passes when handing off (validated).
        input_filter: Trims the conversation the receiving agent sees.
        is_enabled: Whether the model is offered the handoff (a bool, or a function of
            (context, agent) evaluated every turn).
    """
    adapter: TypeAdapter[Any] | None = TypeAdapter(input_type) if input_type is not None else None
    schema: dict[str, Any] = (
        make_strict(adapter.json_schema())
        if adapter is not None
        else {"type": "object", "properties": {}, "additionalProperties": False, "required": []}
    )
    tool_name = tool_name_override or transfer_tool_name(agent.name)

    async def invoke(ctx: RunContextWrapper[Any], arguments: str) -> Agent[Any]:
        if on_handoff is None:
            return agent
        if adapter is not None:
            raw = parse_arguments(tool_name, arguments)
            try:
                data = adapter.validate_python(raw)
            except ValidationError as exc:
                raise ModelBehaviorError(
                    f"Handoff {tool_name!r} got input that does not match its schema: {exc}"
                ) from None
            result = on_handoff(ctx, data)
        else:
            result = on_handoff(ctx)
        if inspect.isawaitable(result):
            await result
        return agent

    return Handoff(
        tool_name=tool_name,
        tool_description=tool_description_override or Handoff.default_tool_description(agent),
        input_json_schema=schema,
        on_invoke_handoff=invoke,
        agent_name=agent.name,
        input_filter=input_filter,
        is_enabled=is_enabled,
    )


def as_handoff(target: Agent[Any] | Handoff) -> Handoff:
    """A Handoff for an entry of `Agent.handoffs` (an agent or a `handoff(...)`)."""
    if isinstance(target, Handoff):
        return target
    return handoff(target)
