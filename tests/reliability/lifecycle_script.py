"""A user's script with no OpenTelemetry code, ended in the ways a deployment ends processes:
`python lifecycle_script.py MODE RUNS`. tests/reliability/test_lifecycle.py runs it.

Modes:
- `sigterm`: RUNS runs, print "ready", then wait to be stopped by SIGTERM.
- `sigterm-in-flight`: RUNS runs, then one that prints "ready" from inside a tool and waits.
- `sigterm-app-handler`: the same as `sigterm`, with the app's own SIGTERM handler (exit
  status 3) installed before otel-agents sets up.
- `pool-close` / `pool-with`: one run in the parent, then RUNS runs in a fork `multiprocessing`
  pool of 2 workers, ended by `close()` + `join()` (workers exit normally) or by the `with` block
  (`terminate()`: workers get SIGTERM).

- `pool-signal-in-flush`: as `pool-close`, but each worker sends itself SIGTERM at the start of
  its exit flush, so the handler interrupts that flush on the same thread (what `terminate()`
  does when a worker is already exiting; otherwise a race).

With `JSONL_PATH` set, every trace and span also goes to that JSON Lines file (set up before
the fork, as an app would).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import threading
from typing import Any

from otel_agents import Agent, Runner, add_trace_processor, function_tool
from otel_agents.models import ScriptedModel, call_tool
from otel_agents.tracing import JsonlFileProcessor


def one_run(i: int) -> str:
    agent = Agent(name="Solo", model=ScriptedModel([f"reply {i}"]))
    return str(Runner.run_sync(agent, f"question {i}").final_output)


def wait_for_sigterm(runs: int) -> None:
    for i in range(runs):
        one_run(i)
    print("ready", flush=True)
    threading.Event().wait(60)  # the main thread waits; signal handlers run here
    print("not stopped", flush=True)


def in_flight(runs: int) -> None:
    """RUNS finished runs, then one stuck in a tool when SIGTERM comes."""
    for i in range(runs):
        one_run(i)

    @function_tool
    async def slow_lookup() -> str:
        """Waits for a backend that never answers."""
        print("ready", flush=True)
        await asyncio.sleep(60)
        return "late"

    agent = Agent(
        name="Stuck", tools=[slow_lookup], model=ScriptedModel([call_tool("slow_lookup")])
    )
    Runner.run_sync(agent, "look it up")
    print("not stopped", flush=True)


def signal_self_at_flush() -> None:
    """Makes a forked worker's exit flush start with a SIGTERM to itself (test timing only)."""
    from otel_agents.otel import lifecycle

    parent, original = os.getpid(), lifecycle.call_within

    def interrupted(*args: Any) -> bool:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs on this thread, right here
        return original(*args)

    lifecycle.call_within = interrupted  # type: ignore[assignment]


def pool(runs: int, how: str) -> None:
    if how == "signal-in-flush":
        signal_self_at_flush()
        how = "close"
    print(one_run(-1), flush=True)  # the parent has counted one run before the fork
    context = multiprocessing.get_context("fork")
    if how == "close":
        workers = context.Pool(2)
        replies = workers.map(one_run, range(runs))
        workers.close()
        workers.join()
    else:
        with context.Pool(2) as workers:
            replies = workers.map(one_run, range(runs))
    print(len(replies), "replies", flush=True)


if __name__ == "__main__":
    mode, count = sys.argv[1], int(sys.argv[2])
    if os.environ.get("JSONL_PATH"):
        add_trace_processor(JsonlFileProcessor(os.environ["JSONL_PATH"]))
    if mode == "sigterm-app-handler":
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(3))
    if mode == "sigterm-in-flight":
        in_flight(count)
    elif mode.startswith("sigterm"):
        wait_for_sigterm(count)
    else:
        pool(count, mode.removeprefix("pool-"))
