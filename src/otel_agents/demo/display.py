"""What the CLI prints: a streamed conversation, trace trees, and the summary of many runs.

Everything here writes to a `rich.console.Console` passed in, so tests capture it in a StringIO.

- `StreamPrinter` / `print_stream`: the seed's chat UI in a terminal: text tokens as they arrive
  (only `response.output_text.delta`, never tool-argument deltas), `[Using tool: x]`,
  `[Transferred to Y]`, `[Completed by Z]`, with word wrapping done here so words never split.
- `TraceCollector`: an in-memory `TracingProcessor` keeping each ended trace and span as its
  `export()` dict, the very lines `JsonlFileProcessor` writes; so `build_trees` and `render_tree`
  serve both the demo and `otel-agents view traces.jsonl`.
- `render_summary`: one table for `--runs N` instead of N trees.
"""

from __future__ import annotations

import re
import statistics
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from ..exceptions import UserError
from ..items import ItemHelpers
from ..result import RunResultBase, RunResultStreaming
from ..run_context import RunContextWrapper
from ..stream_events import AgentUpdatedStreamEvent, RawResponsesStreamEvent, RunItemStreamEvent
from ..tools import default_tool_error_function
from ..tracing import Span, Trace, TracingProcessor

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
        printer.note(f"Failed: {error}", "bold red")
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


class TraceCollector(TracingProcessor):
    """Keeps every ended trace and span in memory, as the dicts the JSONL processor writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []

    def on_trace_start(self, trace: Trace) -> None:
        pass

    def on_span_start(self, span: Span[Any]) -> None:
        pass

    def on_trace_end(self, trace: Trace) -> None:
        record = trace.export()
        with self._lock:
            self._records.append(record)

    def on_span_end(self, span: Span[Any]) -> None:
        record = span.export()
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[dict[str, Any]]:
        """A copy of the records so far, in end order."""
        with self._lock:
            return list(self._records)


@dataclass
class SpanNode:
    """A trace or span in a tree: what `render_tree` shows.

    Attributes:
        kind: "trace", or the span type ("agent", "generation", ...).
        record: The exported dict (`Trace.export()` / `Span.export()`), {} for a trace that
            was never written (its spans are still shown).
        children: Child spans in start order.
    """

    kind: str
    record: dict[str, Any]
    children: list[SpanNode] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.record.get("span_data") or {}
        return data

    @property
    def duration(self) -> float | None:
        start, end = self.record.get("start_time_ns"), self.record.get("end_time_ns")
        if isinstance(start, int) and isinstance(end, int):
            return (end - start) / 1e9
        return None

    @property
    def error(self) -> str | None:
        error = self.record.get("error")
        if not error:
            return None
        kind = str(error.get("type") or "error").rsplit(".", 1)[-1]
        message = error.get("message")  # None when the file was written without content
        return f"{kind}: {message}" if message else kind

    def walk(self) -> Iterable[SpanNode]:
        """This node and every descendant, depth first (no recursion: chains can be deep)."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def tokens(self) -> tuple[int, int]:
        """(input, output) tokens of every generation at or under this node."""
        usage = [n.data.get("usage") or {} for n in self.walk() if n.kind == "generation"]
        return sum(u.get("input_tokens", 0) for u in usage), sum(
            u.get("output_tokens", 0) for u in usage
        )


def build_trees(records: Iterable[Mapping[str, Any]]) -> list[SpanNode]:
    """One tree per trace, in start order, from trace and span records in any order."""
    traces: dict[str, SpanNode] = {}
    spans: dict[str, SpanNode] = {}
    for record in records:  # held, not copied: a file's records can be most of the memory
        record = record if isinstance(record, dict) else dict(record)
        if record.get("object") == "trace":
            traces[str(record.get("id"))] = SpanNode("trace", record)
        else:
            data = record.get("span_data") or {}
            spans[str(record.get("id"))] = SpanNode(str(data.get("type", "span")), record)
    for node in sorted(spans.values(), key=lambda n: n.record.get("start_time_ns") or 0):
        parent = spans.get(str(node.record.get("parent_id")))
        if parent is None:
            trace_id = str(node.record.get("trace_id"))
            parent = traces.get(trace_id)
            if parent is None:  # a trace still open when the file was written
                parent = traces[trace_id] = SpanNode("trace", {"id": trace_id})
        parent.children.append(node)
    return sorted(
        traces.values(),
        key=lambda t: (
            t.record.get("start_time_ns")
            or min((c.record.get("start_time_ns") or 0 for c in t.children), default=0)
        ),
    )


def _seconds(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


_KIND_STYLES = {
    "agent": "bold blue",
    "generation": "yellow",
    "function": "cyan",
    "guardrail": "magenta",
    "handoff": "magenta",
    "custom": "green",
}


def _model_name(data: dict[str, Any]) -> str:
    """The model that answered (local servers ignore the requested name and answer as their own
    model), with the requested one beside it when the two differ."""
    requested = str(data.get("model") or "")
    answered = str(data.get("response_model") or "")
    if answered and requested and answered != requested:
        return f"{answered} (requested {requested})"
    return answered or requested


def _label(node: SpanNode) -> Text:
    data, kind = node.data, node.kind
    text = Text()
    if kind == "handoff":
        name = f"{data.get('from_agent')} → {data.get('to_agent')}"
    elif kind == "generation":
        name = _model_name(data)
    else:
        name = str(data.get("name") or data.get("model") or "")
    text.append(f"{kind} ", style=_KIND_STYLES.get(kind, "white"))
    text.append(name, style="bold" if kind == "agent" else "")
    text.append(f"  {_seconds(node.duration)}", style="dim")
    if kind == "generation":
        tokens_in, tokens_out = node.tokens()
        text.append(f"  {tokens_in}→{tokens_out} tokens", style="dim")
        first = data.get("time_to_first_chunk")
        if isinstance(first, (int, float)):
            text.append(f"  first chunk {_seconds(first)}", style="dim")
    elif kind == "guardrail":
        tripped = data.get("triggered")
        text.append("  tripped" if tripped else "  passed", style="red" if tripped else "green")
    if node.error:
        text.append(f"  ✗ {node.error}", style="bold red")
    return text


MAX_DEPTH = 10
"""Nesting shown as such; deeper spans are listed at this depth, labelled with their depth."""


def render_tree(root: SpanNode) -> Tree:
    """A rich Tree of one trace: durations, token usage and errors on every line."""
    record = root.record
    title = Text()
    title.append(f"Trace {record.get('workflow_name') or '(not recorded)'}", style="bold")
    title.append(f"  {_seconds(root.duration)}", style="dim")
    tokens_in, tokens_out = root.tokens()
    title.append(f"  {tokens_in + tokens_out} tokens ({tokens_in} in / {tokens_out} out)")
    errors = sum(1 for n in root.walk() if n.error)
    if errors:
        title.append(f"  {errors} error{'s' if errors > 1 else ''}", style="bold red")
    title.append(f"  {str(record.get('id', '')).removeprefix('trace_')}", style="dim")
    tree = Tree(title, guide_style="dim")
    # Depth first without recursion; spans nested deeper than MAX_DEPTH are listed, in order,
    # at that depth with their real depth, so a 5,000-deep chain stays readable.
    stack = [(tree, child, 1) for child in reversed(root.children)]
    while stack:
        branch, node, depth = stack.pop()
        label = _label(node)
        if depth > MAX_DEPTH:
            label = Text(f"(depth {depth}) ", style="dim") + label
        added = branch.add(label)
        below = added if depth <= MAX_DEPTH else branch
        stack.extend((below, child, depth + 1) for child in reversed(node.children))
    return tree


@dataclass
class RunSummary:
    """What `--runs N` reports for one run."""

    workflow: str
    seconds: float
    error: str | None = None


def render_summary(runs: Sequence[RunSummary], trees: Sequence[SpanNode]) -> Table:
    """One row per workflow: runs, failures, latency p50/p95, tokens, spans, spans with errors."""
    table = Table(title=f"{len(runs)} runs", title_justify="left", box=box.SIMPLE_HEAD)
    for column in ("workflow", "runs", "failed", "p50", "p95", "tokens", "spans", "errors"):
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
            _seconds(statistics.median(seconds)),
            _seconds(p95),
            str(sum(sum(t.tokens()) for t in by_name.get(name, []))),
            str(len(nodes)),
            str(sum(1 for n in nodes if n.error)),
        )
    return table
