"""Trace trees: what `otel-agents view` and the demo show of a run's traces and spans.

- `TraceCollector`: an in-memory `TracingProcessor` keeping each ended trace and span as its
  `export()` dict, the very lines `JsonlFileProcessor` writes; so `build_trees` and `render_tree`
  serve both the demo and `otel-agents view traces.jsonl`.
- `build_trees` / `render_tree`: records in any order -> one rich `Tree` per trace.

Nothing here imports the runner or the openai client: `view` stays quick to start.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from rich.tree import Tree

from ..tracing import Span, Trace, TracingProcessor
from . import costs

__all__ = [
    "MAX_DEPTH",
    "SpanNode",
    "TraceCollector",
    "build_trees",
    "render_tree",
    "seconds_text",
]


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

    def cost(self) -> tuple[float, str | None, int]:
        """(cost, currency, calls left out) of every generation at or under this node."""
        return costs.total(n.data for n in self.walk() if n.kind == "generation")

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


def seconds_text(value: float | None) -> str:
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
    text.append(f"  {seconds_text(node.duration)}", style="dim")
    if kind == "generation":
        tokens_in, tokens_out = node.tokens()
        text.append(f"  {tokens_in}→{tokens_out} tokens", style="dim")
        priced = costs.call_cost(data)
        if priced is not None:
            text.append(f"  {costs.money(priced.amount, priced.currency)}", style="dim")
        first = data.get("time_to_first_chunk")
        if isinstance(first, (int, float)):
            text.append(f"  first chunk {seconds_text(first)}", style="dim")
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
    title.append(f"  {seconds_text(root.duration)}", style="dim")
    tokens_in, tokens_out = root.tokens()
    title.append(f"  {tokens_in + tokens_out} tokens ({tokens_in} in / {tokens_out} out)")
    amount, currency, left_out = root.cost()
    if currency is not None:
        title.append(f"  {costs.money(amount, currency)}")
    if left_out:
        title.append(f" ({left_out} call{'s' if left_out > 1 else ''} unpriced)", style="dim")
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
