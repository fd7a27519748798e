"""A user's script with no OpenTelemetry code that forks a plain child (`os.fork`, as a server's
pre-fork model does) after its own run: `python fork_script.py CHILDREN`.
tests/reliability/test_fork_metrics.py runs it.

The parent runs once before forking, so its SDK metric state (histogram aggregations, sums) holds
a point when each child starts. Each child runs once, calls `flush_traces()` (what a child that
ends with `os._exit` must do) and ends with `os._exit(0)`; the parent exports at its normal exit.
"""

from __future__ import annotations

import os
import sys

from otel_agents import Agent, Runner, flush_traces
from otel_agents.models import ScriptedModel


def one_run(name: str) -> None:
    agent = Agent(name=name, model=ScriptedModel([f"reply from {name}"]))
    Runner.run_sync(agent, "question")


if __name__ == "__main__":
    one_run("Parent")
    children = []
    for i in range(int(sys.argv[1])):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                one_run(f"Child-{i}")
                flush_traces()
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    statuses = [os.waitpid(pid, 0)[1] for pid in children]
    print("children:", statuses, flush=True)
