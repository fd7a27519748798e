"""Running agents for the CLI: one run printed as it happens, or many at once with a progress bar.

Run failures are results here (the run's trace shows where it failed); only setup problems
propagate, so the CLI can say them in one line: a `UserError` (such as a missing API key) and
`model_server.Unreachable` (a model server that refused the connection or never answered).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..agent import Agent
from ..exceptions import UserError
from ..runner import RunConfig, Runner
from . import display
from .model_server import unreachable
from .scenarios import DemoContext, Scenario

__all__ = ["run_many", "run_one"]


def _raise_if_unreachable(error: Exception) -> None:
    problem = unreachable(error)
    if problem is not None:
        raise problem from None


async def run_one(
    agent: Agent[Any],
    input: str,
    config: RunConfig,
    *,
    context: Any = None,
    stream: bool = True,
    console: Console,
) -> bool:
    """Runs `agent` on `input`, printing the conversation; returns whether the run succeeded."""
    console.print(Text(f"› {input}", style="bold"))
    console.print()
    if stream:
        streamed = Runner.run_streamed(agent, input, context=context, run_config=config)
        try:
            await display.print_stream(streamed, console)
        except UserError:
            raise
        except Exception as error:
            _raise_if_unreachable(error)
            return False  # print_stream showed the error
        return True
    try:
        result = await Runner.run(agent, input, context=context, run_config=config)
    except UserError:
        raise
    except Exception as error:
        _raise_if_unreachable(error)
        display.StreamPrinter(console).note(f"Failed: {error}", "bold red")
        return False
    last = result.last_agent or agent
    display.print_items(result, last.name, console)
    return True


async def _quietly(scenario: Scenario, config: RunConfig, stream: bool) -> str | None:
    """One demo run without output; returns its error as "Type: message", or None."""
    agent, context = scenario.build(), DemoContext()
    try:
        if stream:  # streamed runs also feed the time-to-first-chunk and stream-event metrics
            result = Runner.run_streamed(agent, scenario.input, context=context, run_config=config)
            async for _ in result.stream_events():
                pass
        else:
            await Runner.run(agent, scenario.input, context=context, run_config=config)
    except UserError:
        raise
    except Exception as error:
        _raise_if_unreachable(error)
        return f"{type(error).__name__}: {error}"
    return None


async def run_many(
    jobs: list[tuple[Scenario, RunConfig]], *, stream: bool, console: Console
) -> list[display.RunSummary]:
    """Runs every (scenario, config) concurrently behind a progress bar; one summary per run."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task(f"Running {len(jobs)} workflows", total=len(jobs))

        async def one(scenario: Scenario, config: RunConfig) -> display.RunSummary:
            started = time.perf_counter()
            error = await _quietly(scenario, config, stream)
            progress.advance(task)
            seconds = time.perf_counter() - started
            return display.RunSummary(scenario.workflow_name, seconds, error)

        return list(await asyncio.gather(*(one(s, c) for s, c in jobs)))
