"""A user's short script with no OpenTelemetry code: tests run it in a subprocess with only
OTEL_* variables set (`python user_script.py RUNS`), to check what happens at process exit."""

from __future__ import annotations

import asyncio
import sys

from otel_agents import Agent, Runner
from otel_agents.models import ScriptedModel


async def main(runs: int) -> None:
    for i in range(runs):
        agent = Agent(name="Solo", model=ScriptedModel([f"reply {i}"]))
        result = await Runner.run(agent, f"question {i}")
        print(result.final_output)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
