"""A processor that records every callback, for tests that check traces and span trees.

Use the `recorder` fixture (tests/conftest.py): it makes a `RecordingProcessor` the only processor
for the test and puts the previous ones back afterwards. Then assert on `recorder.tree()`, a
normalized tree with no ids and no times, and call `recorder.assert_well_formed()` to check the
invariants every run must keep (exactly-once callbacks, known parents, order, durations >= 0).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, Literal

from otel_agents.tracing import (
    HandoffSpanData,
    Span,
    SpanData,
    Trace,
    TracingProcessor,
    get_trace_provider,
    set_trace_processors,
    set_tracing_disabled,
)

EventKind = Literal["trace_start", "trace_end", "span_start", "span_end"]
Event = tuple[EventKind, Any]  # (kind, Trace or Span)


def span_name(data: SpanData) -> str | None:
    """The name a tree shows for a span: agent/tool/guardrail/custom name, model, or "a -> b"."""
    if isinstance(data, HandoffSpanData):
        return f"{data.from_agent} -> {data.to_agent}"
    name = getattr(data, "name", None)
    return name if name is not None else getattr(data, "model", None)


class RecordingProcessor(TracingProcessor):
    """Records ("trace_start", trace), ("span_end", span), ... events in call order, thread-safely.

    Attributes:
        flushes: How many times `force_flush` was called.
        shutdowns: How many times `shutdown` was called.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self.flushes = 0
        self.shutdowns = 0

    def _add(self, kind: EventKind, item: Any) -> None:
        with self._lock:
            self._events.append((kind, item))

    def on_trace_start(self, trace: Trace) -> None:
        self._add("trace_start", trace)

    def on_trace_end(self, trace: Trace) -> None:
        self._add("trace_end", trace)

    def on_span_start(self, span: Span[Any]) -> None:
        self._add("span_start", span)

    def on_span_end(self, span: Span[Any]) -> None:
        self._add("span_end", span)

    def force_flush(self) -> None:
        self.flushes += 1

    def shutdown(self) -> None:
        self.shutdowns += 1

    @property
    def events(self) -> list[Event]:
        """A copy of the events so far."""
        with self._lock:
            return list(self._events)

    def clear(self) -> None:
        """Forget every event."""
        with self._lock:
            self._events.clear()

    @property
    def traces(self) -> list[Trace]:
        """Traces in start order."""
        return [item for kind, item in self.events if kind == "trace_start"]

    @property
    def spans(self) -> list[Span[Any]]:
        """Spans in start order."""
        return [item for kind, item in self.events if kind == "span_start"]

    def spans_of_type(self, span_type: str) -> list[Span[Any]]:
        """Spans of one type ("agent", "generation", ...), in start order."""
        return [span for span in self.spans if span.span_type == span_type]

    def trees(self) -> list[dict[str, Any]]:
        """One normalized tree per trace, in start order.

        A node is `{"type": ..., "name": ...}`, plus `"error": <error type>` when the span has
        an error and `"children": [...]` (in start order) when it has children. The root is
        `{"type": "trace", "name": <workflow name>, "children": [...]}`.
        """
        events = self.events
        nodes: dict[str, dict[str, Any]] = {}
        roots: dict[str, dict[str, Any]] = {}
        order: list[dict[str, Any]] = []
        for kind, item in events:
            if kind == "trace_start":
                root = {"type": "trace", "name": item.name}
                roots[item.trace_id] = root
                order.append(root)
            elif kind == "span_start":
                node: dict[str, Any] = {"type": item.span_type, "name": span_name(item.span_data)}
                nodes[item.span_id] = node
                parent_id = item.parent_id
                parent = roots.get(item.trace_id) if parent_id is None else nodes.get(parent_id)
                if parent is not None:
                    parent.setdefault("children", []).append(node)
        # Errors are known only at the end.
        for kind, item in events:
            if kind == "span_end" and item.error is not None:
                nodes[item.span_id]["error"] = item.error.type or "error"
        return order

    def tree(self) -> dict[str, Any]:
        """The normalized tree of the only trace recorded (asserts there is exactly one)."""
        trees = self.trees()
        assert len(trees) == 1, f"expected one trace, recorded {len(trees)}"
        return trees[0]

    def assert_well_formed(self) -> None:
        """Check the invariants processors rely on; raise AssertionError listing every breach.

        Each trace starts and ends once; each span starts and ends once while its trace is open,
        with a parent that started before it in the same trace; every duration is >= 0.
        """
        problems: list[str] = []
        counts: dict[tuple[str, int], int] = {}
        started_traces: dict[str, Trace] = {}
        ended_traces: set[str] = set()
        started_spans: dict[str, Span[Any]] = {}
        for kind, item in self.events:
            key = (kind, id(item))
            counts[key] = counts.get(key, 0) + 1
            if counts[key] > 1:
                problems.append(f"{kind} called {counts[key]} times for {item!r}")
            if kind == "trace_start":
                started_traces[item.trace_id] = item
            elif kind == "trace_end":
                ended_traces.add(item.trace_id)
            elif kind == "span_start":
                problems.extend(self._check_span_start(item, started_traces, ended_traces))
                problems.extend(self._check_parent(item, started_spans))
                started_spans[item.span_id] = item
            elif kind == "span_end":
                if item.span_id not in started_spans:
                    problems.append(f"span ended but never started: {item!r}")
                if item.trace_id in ended_traces:
                    problems.append(f"span ended after its trace ended: {item!r}")
        for trace in started_traces.values():
            problems.extend(_check_times("trace", trace, counts))
        for span in started_spans.values():
            problems.extend(_check_times("span", span, counts))
        assert not problems, "malformed tracing events:\n" + "\n".join(problems)

    @staticmethod
    def _check_span_start(
        span: Span[Any], started: dict[str, Trace], ended: set[str]
    ) -> Iterator[str]:
        if span.trace_id not in started:
            yield f"span started outside a started trace: {span!r}"
        elif span.trace_id in ended:
            yield f"span started after its trace ended: {span!r}"

    @staticmethod
    def _check_parent(span: Span[Any], started: dict[str, Span[Any]]) -> Iterator[str]:
        if span.parent_id is None:
            return
        parent = started.get(span.parent_id)
        if parent is None:
            yield f"span's parent never started (or started later): {span!r}"
        elif parent.trace_id != span.trace_id:
            yield f"span's parent is in another trace: {span!r}"


def _check_times(kind: str, item: Any, counts: dict[tuple[str, int], int]) -> Iterator[str]:
    if counts.get((f"{kind}_end", id(item)), 0) != 1:
        yield f"{kind} started but never ended: {item!r}"
        return
    start, end = item.start_time_ns, item.end_time_ns
    if start is None or end is None or end < start:
        yield f"{kind} has a bad duration ({start} -> {end}): {item!r}"
    elif item.ended_at - item.started_at < 0:
        yield f"{kind} has a negative float duration: {item!r}"


def install_recorder() -> Iterator[RecordingProcessor]:
    """Generator behind the `recorder` fixture: tracing on, only the recorder, state restored."""
    provider = get_trace_provider()
    saved = provider.snapshot()
    recorder = RecordingProcessor()
    set_trace_processors([recorder])
    set_tracing_disabled(False)
    try:
        yield recorder
    finally:
        provider.restore(saved)
