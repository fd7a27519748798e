"""What the CLI prints: a streamed conversation, trace trees, and the summary of many runs.

Everything here writes to a `rich.console.Console` passed in, so tests capture it in a StringIO.

- `StreamPrinter` / `print_stream`: the seed's chat UI in a terminal: text tokens as they arrive
  (only `response.output_text.delta`, never tool-argument deltas), `[Using tool: x]`,
  `[Transferred to Y]`, `[Completed by Z]`, with word wrapping done here so words never split.
- Trace trees (`TraceCollector`, `build_trees`, `render_tree`) live in `trees.py`, which
  `otel-agents view` imports without the runner; they are re-exported here.
- `render_summary`: one table for `--runs N` instead of N trees.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..exceptions import UserError
from ..items import ItemHelpers
from ..result import RunResultBase, RunResultStreaming
from ..run_context import RunContextWrapper
from ..stream_events import AgentUpdatedStreamEvent, RawResponsesStreamEvent, RunItemStreamEvent
from ..tools import default_tool_error_function
from . import costs
from .model_server import unreachable
from .trees import SpanNode, TraceCollector, build_trees, render_tree, seconds_text

__all__ = [
    "RunSummary",
    "SpanNode",
    "StreamPrinter",
    "TraceCollector",
    "build_trees",
    "print_items",
    "print_stream",
    "render_summary",
    "render_tree",
]

# The text a failed tool sends back to the model starts like this (see tools.py).
_TOOL_ERROR_PREFIX = default_tool_error_function(RunContextWrapper(None), Exception("")).strip()


_WORDS = re.compile(r"\s*\S+\s*|\s+")
# Model text must not drive the terminal: escape sequences and other control characters go.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class StreamPrinter:
    """Prints tokens as they come and bracketed notes on lines of their own."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._column = 0
        self._after_space = True  # at a word boundary

    def text(self, delta: str) -> None:
        """Prints text, wrapping before a word that would cross the right edge.

        Real models stream pieces of words ("observ", "ability"): a piece that continues a word
        is never moved to the next line, only a piece that starts a new word is.
        """
        width = max(self.console.width, 20)
        for i, line in enumerate(_CONTROL.sub("", delta).split("\n")):
            if i:
                self._newline()
            for word in _WORDS.findall(line):
                starts_word = self._after_space or word[0].isspace()
                if starts_word and self._column and self._column + len(word.rstrip()) > width:
                    self._newline()
                if self._column == 0:
                    word = word.lstrip()
                if word:
                    self._write(word)
                    self._column += len(word)
                    self._after_space = word[-1].isspace()

    def note(self, message: str, style: str = "cyan") -> None:
        """Prints `[message]` on a line of its own."""
        self.end_line()
        self.console.print(Text(f"[{message}]", style=style), soft_wrap=True)

    def end_line(self) -> None:
        """Ends the current line of text, if any."""
        if self._column:
            self._newline()

    def _newline(self) -> None:
        self._write("\n")
        self._column = 0
        self._after_space = True

    def _write(self, text: str) -> None:
        self.console.print(text, end="", markup=False, highlight=False, soft_wrap=True)


def _tool_output_note(output: Any) -> str | None:
    """`Tool failed: ...` when a tool's output is the error text the model was sent back."""
    if isinstance(output, str) and output.startswith(_TOOL_ERROR_PREFIX):
        return "Tool failed: " + output.removeprefix(_TOOL_ERROR_PREFIX).strip()
    return None


async def print_stream(result: RunResultStreaming, console: Console) -> None:
    """Prints a streamed run as it happens; re-raises the run's error after a `[Failed]` note."""
    printer = StreamPrinter(console)
    first_agent = True
    try:
        async for event in result.stream_events():
            if isinstance(event, RawResponsesStreamEvent):
                if event.data.type == "response.output_text.delta":
                    printer.text(event.data.delta)
            elif isinstance(event, AgentUpdatedStreamEvent):
                if not first_agent:
                    printer.note(f"Transferred to {event.new_agent.name}", "magenta")
                first_agent = False
            elif isinstance(event, RunItemStreamEvent):
                if event.item.type == "tool_call_item":
                    printer.note(f"Using tool: {event.item.raw_item.name}", "cyan")
                elif event.item.type == "tool_call_output_item":
                    failed = _tool_output_note(event.item.output)
                    if failed:
                        printer.note(failed, "red")
    except UserError:
        printer.end_line()
        raise  # a setup problem (no API key...): the CLI says it in one line
    except Exception as error:
        if unreachable(error) is None:
            printer.note(f"Failed: {error}", "bold red")
        else:  # the model server never answered: the CLI says it in one line
            printer.end_line()
        raise
    agent = result.last_agent
    printer.note(f"Completed by {agent.name if agent else '?'}", "green")


def print_items(result: RunResultBase, last_agent: str, console: Console) -> None:
    """The same transcript as `print_stream`, after the fact (for `--no-stream`)."""
    printer = StreamPrinter(console)
    for item in result.new_items:
        if item.type == "message_output_item":
            printer.text(ItemHelpers.text_message_output(item))
        elif item.type == "tool_call_item":
            printer.note(f"Using tool: {item.raw_item.name}", "cyan")
        elif item.type == "tool_call_output_item":
            failed = _tool_output_note(item.output)
            if failed:
                printer.note(failed, "red")
        elif item.type == "handoff_output_item":
            printer.note(f"Transferred to {item.target_agent.name}", "magenta")
    printer.note(f"Completed by {last_agent}", "green")


def _cost_cell(trees: Sequence[SpanNode]) -> str:
    calls = (n.data for t in trees for n in t.walk() if n.kind == "generation")
    amount, currency, left_out = costs.total(calls)
    if currency is None:
        return "-"
    return costs.money(amount, currency) + ("*" if left_out else "")


@dataclass
class RunSummary:
    """What `--runs N` reports for one run."""

    workflow: str
    seconds: float
    error: str | None = None


def render_summary(runs: Sequence[RunSummary], trees: Sequence[SpanNode]) -> Table:
    """One row per workflow: runs, failures, latency p50/p95, tokens, cost (`*`: some calls had
    no price), spans, spans with errors."""
    table = Table(title=f"{len(runs)} runs", title_justify="left", box=box.SIMPLE_HEAD)
    columns = ("workflow", "runs", "failed", "p50", "p95", "tokens", "cost", "spans", "errors")
    for column in columns:
        table.add_column(column, justify="left" if column == "workflow" else "right")
    by_name: dict[str, list[SpanNode]] = {}
    for tree in trees:
        by_name.setdefault(str(tree.record.get("workflow_name")), []).append(tree)
    for name in sorted({r.workflow for r in runs}):
        mine = [r for r in runs if r.workflow == name]
        seconds = sorted(r.seconds for r in mine)
        p95 = (
            statistics.quantiles(seconds, n=20, method="inclusive")[-1]
            if len(seconds) > 1
            else seconds[0]
        )
        nodes = [n for t in by_name.get(name, []) for n in t.walk() if n.kind != "trace"]
        table.add_row(
            name,
            str(len(mine)),
            str(sum(1 for r in mine if r.error)),
            seconds_text(statistics.median(seconds)),
            seconds_text(p95),
            str(sum(sum(t.tokens()) for t in by_name.get(name, []))),
            _cost_cell(by_name.get(name, [])),
            str(len(nodes)),
            str(sum(1 for n in nodes if n.error)),
        )
    return table
