"""Lifecycle hooks (`RunHooks`, `AgentHooks`): the same hooks on the upstream SDK and on
otel_agents are called for the same events, in the same order."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from compat._both import call, msg, same, scripted


def _recorders(m: ModuleType, log: list[Any]) -> tuple[Any, Any]:
    class Run(m.RunHooks):  # type: ignore[name-defined,misc]
        async def on_agent_start(self, context: Any, agent: Any) -> None:
            log.append(("run.agent_start", agent.name))

        async def on_agent_end(self, context: Any, agent: Any, output: Any) -> None:
            log.append(("run.agent_end", agent.name, output))

        async def on_llm_start(self, context: Any, agent: Any, prompt: Any, items: Any) -> None:
            log.append(("run.llm_start", agent.name, prompt, len(items)))

        async def on_llm_end(self, context: Any, agent: Any, response: Any) -> None:
            log.append(("run.llm_end", agent.name, len(response.output)))

        async def on_handoff(self, context: Any, from_agent: Any, to_agent: Any) -> None:
            log.append(("run.handoff", from_agent.name, to_agent.name))

        async def on_tool_start(self, context: Any, agent: Any, tool: Any) -> None:
            log.append(("run.tool_start", agent.name, tool.name, context.tool_call_id))

        async def on_tool_end(self, context: Any, agent: Any, tool: Any, result: Any) -> None:
            log.append(("run.tool_end", agent.name, tool.name, result))

    class Mine(m.AgentHooks):  # type: ignore[name-defined,misc]
        async def on_start(self, context: Any, agent: Any) -> None:
            log.append(("agent.start", agent.name))

        async def on_end(self, context: Any, agent: Any, output: Any) -> None:
            log.append(("agent.end", agent.name, output))

        async def on_handoff(self, context: Any, agent: Any, source: Any) -> None:
            log.append(("agent.handoff", agent.name, source.name))

        async def on_tool_start(self, context: Any, agent: Any, tool: Any) -> None:
            log.append(("agent.tool_start", agent.name, tool.name))

        async def on_tool_end(self, context: Any, agent: Any, tool: Any, result: Any) -> None:
            log.append(("agent.tool_end", agent.name, tool.name, result))

    return Run(), Mine()


@pytest.mark.parametrize("streamed", [False, True], ids=["run", "streamed"])
async def test_hooks_see_the_same_events_in_the_same_order(streamed: bool) -> None:
    async def snippet(m: ModuleType) -> Any:
        log: list[Any] = []
        run_hooks, agent_hooks = _recorders(m, log)

        @m.function_tool
        def lookup(order_id: str) -> str:
            """Looks up an order."""
            return f"order {order_id} shipped"

        worker = m.Agent(
            name="Worker",
            instructions="Help.",
            tools=[lookup],
            hooks=agent_hooks,
            model=scripted(m, [[call("lookup", {"order_id": "7"}, "c1")], [msg("shipped")]]),
        )
        triage = m.Agent(
            name="Triage",
            instructions="Route.",
            hooks=agent_hooks,
            handoffs=[worker],
            model=scripted(m, [[call("transfer_to_worker", {}, "c0")]]),
        )
        if streamed:
            result = m.Runner.run_streamed(triage, "where?", hooks=run_hooks)
            async for _ in result.stream_events():
                pass
        else:
            await m.Runner.run(triage, "where?", hooks=run_hooks)
        return log

    log = await same(snippet)
    assert log[0] == ("run.agent_start", "Triage")
    assert ("agent.handoff", "Worker", "Triage") in log  # on the handing-off agent's hooks
    assert log[-1] == ("agent.end", "Worker", "shipped")
