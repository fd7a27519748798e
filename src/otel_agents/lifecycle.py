"""Lifecycle hooks: callbacks on a run's events, for the whole run (`RunHooks`, passed to
`Runner.run(hooks=...)`) or for one agent (`AgentHooks`, set as `Agent.hooks`).

Subclass and override the methods you need; each is awaited where the event happens, run hooks
first, then the agent's (as in the OpenAI Agents SDK, but one after the other). An exception in a
hook ends the run, as any error in user code does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .models.interface import InputItem, ModelResponse
from .run_context import RunContextWrapper

if TYPE_CHECKING:
    from ._state import RunState
    from .agent import Agent
    from .tools import Tool

TContext = TypeVar("TContext")


class RunHooks(Generic[TContext]):
    """Callbacks on every agent of a run."""

    async def on_llm_start(
        self,
        context: RunContextWrapper[TContext],
        agent: Agent[TContext],
        system_prompt: str | None,
        input_items: list[InputItem],
    ) -> None:
        """Just before the model is called for `agent`."""

    async def on_llm_end(
        self, context: RunContextWrapper[TContext], agent: Agent[TContext], response: ModelResponse
    ) -> None:
        """Just after the model call returned."""

    async def on_agent_start(
        self, context: RunContextWrapper[TContext], agent: Agent[TContext]
    ) -> None:
        """Before `agent` runs: at the start of the run and after every handoff."""

    async def on_agent_end(
        self, context: RunContextWrapper[TContext], agent: Agent[TContext], output: Any
    ) -> None:
        """When `agent` produced the final output (before the output guardrails)."""

    async def on_handoff(
        self,
        context: RunContextWrapper[TContext],
        from_agent: Agent[TContext],
        to_agent: Agent[TContext],
    ) -> None:
        """When the conversation moves from one agent to another."""

    async def on_tool_start(
        self, context: RunContextWrapper[TContext], agent: Agent[TContext], tool: Tool
    ) -> None:
        """Just before a function tool runs (`context` is its `ToolContext`)."""

    async def on_tool_end(
        self,
        context: RunContextWrapper[TContext],
        agent: Agent[TContext],
        tool: Tool,
        result: Any,
    ) -> None:
        """Just after a function tool returned (`result` is its output or failure text)."""


class AgentHooks(Generic[TContext]):
    """Callbacks on one agent's events (set as `Agent.hooks`)."""

    async def on_start(self, context: RunContextWrapper[TContext], agent: Agent[TContext]) -> None:
        """Before this agent runs."""

    async def on_end(
        self, context: RunContextWrapper[TContext], agent: Agent[TContext], output: Any
    ) -> None:
        """When this agent produced the final output."""

    async def on_handoff(
        self, context: RunContextWrapper[TContext], agent: Agent[TContext], source: Agent[TContext]
    ) -> None:
        """When this agent (`source`) hands the conversation off to `agent` (as the SDK calls
        it: on the handing-off agent's hooks, with the target as `agent`)."""

    async def on_tool_start(
        self, context: RunContextWrapper[TContext], agent: Agent[TContext], tool: Tool
    ) -> None:
        """Just before one of this agent's tools runs."""

    async def on_tool_end(
        self,
        context: RunContextWrapper[TContext],
        agent: Agent[TContext],
        tool: Tool,
        result: Any,
    ) -> None:
        """Just after one of this agent's tools returned."""

    async def on_llm_start(
        self,
        context: RunContextWrapper[TContext],
        agent: Agent[TContext],
        system_prompt: str | None,
        input_items: list[InputItem],
    ) -> None:
        """Just before the model is called for this agent."""

    async def on_llm_end(
        self, context: RunContextWrapper[TContext], agent: Agent[TContext], response: ModelResponse
    ) -> None:
        """Just after this agent's model call returned."""


RunHooksBase = RunHooks
AgentHooksBase = AgentHooks


async def notify(
    state: RunState,
    context: RunContextWrapper[Any],
    agent: Agent[Any],
    run_event: str,
    agent_event: str,
    *args: Any,
) -> None:
    """Calls `run_event` on the run's hooks, then `agent_event` on `agent.hooks`, with
    `(context, agent, *args)`; the runner's one way into the hooks."""
    if state.hooks is not None:
        await getattr(state.hooks, run_event)(context, agent, *args)
    if agent.hooks is not None:
        await getattr(agent.hooks, agent_event)(context, agent, *args)
