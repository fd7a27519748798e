"""Traces: one end-to-end workflow (a run, or several runs under one `with trace(...)`).

A trace starts and ends exactly once, like a span. While current, it is the root that new spans
join; starting it as current also clears the current span, so a trace opened inside another
trace's span starts a separate tree instead of borrowing a parent from the outer one. `NoOpTrace`
has the same interface, calls no processor, and makes every span created under it a no-op.
"""

from __future__ import annotations

from time import perf_counter_ns, time_ns
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .context import current_span, current_trace
from .spans import Span, SpanError, Timed, exception_type_name, first_live_span

if TYPE_CHECKING:
    from .processor import TracingProcessor

_NEW, _STARTED, _ENDED = 0, 1, 2


class Trace(Timed):
    """One workflow. Create traces with `trace(...)`, usually as `with trace("name"):`.

    Attributes:
        trace_id: "trace_" + 32 lowercase hex digits (maps one to one onto an OTel trace id), or
            any other string a user gave (mapped to an OTel trace id by a hash).
        name: The workflow name.
        group_id: Links related traces (e.g. one conversation), or None.
        metadata: Free-form key/values the user attached.
        start_time_ns: Wall-clock start in nanoseconds since the epoch, None before `start()`.
        end_time_ns: Wall-clock end in nanoseconds since the epoch, None before `finish()`.
        error: Why the workflow failed: the exception that left its `with` block, or the one
            that ended the run the runner opened this trace for. None when it did not fail.
        opened_by_runner: True when the runner opened this trace for one run (no trace was
            current), False for the app's own `trace()`.
    """

    __slots__ = (
        "_mono",
        "_prev_span",
        "_prev_trace",
        "_processor",
        "_state",
        "error",
        "group_id",
        "metadata",
        "name",
        "opened_by_runner",
        "trace_id",
    )

    def __init__(
        self,
        name: str,
        trace_id: str,
        group_id: str | None,
        metadata: dict[str, Any] | None,
        processor: TracingProcessor,
    ) -> None:
        self.trace_id = trace_id
        self.name = name
        self.group_id = group_id
        self.metadata: dict[str, Any] = metadata if metadata is not None else {}
        self.start_time_ns: int | None = None
        self.end_time_ns: int | None = None
        self.error: SpanError | None = None
        self.opened_by_runner = False
        self._processor = processor
        self._state = _NEW
        self._mono = 0
        self._prev_trace: Trace | None = None
        self._prev_span: Span[Any] | None = None

    def start(self, mark_as_current: bool = False) -> None:
        """Start the trace and tell the processors; a second call does nothing.

        Args:
            mark_as_current: Make this the current trace (and clear the current span), so spans
                created without an explicit parent join it.
        """
        if self._state:
            return
        self._state = _STARTED
        start = self.start_time_ns = time_ns()
        self._mono = perf_counter_ns() - start  # see Span.start: exact, monotonic durations
        self._processor.on_trace_start(self)
        if mark_as_current:
            self._make_current()

    def finish(self, reset_current: bool = False) -> None:
        """End the trace and tell the processors; does nothing if not started or already ended.

        Args:
            reset_current: Restore the current trace and span to what they were before this
                trace became current. Safe from any task or thread.
        """
        if self._state != _STARTED:
            return
        self._state = _ENDED
        self.end_time_ns = perf_counter_ns() - self._mono
        self._processor.on_trace_end(self)
        if reset_current:
            self._restore_current()

    def _make_current(self) -> None:
        self._prev_trace = current_trace.get()
        self._prev_span = current_span.get()
        current_trace.set(self)
        current_span.set(None)

    def _restore_current(self) -> None:
        # Walk back over ended traces rather than reset a ContextVar token: see context.py.
        current = current_trace.get()
        live = current
        while live is not None and live._state == _ENDED:
            live = live._prev_trace
        if live is not current:
            current_trace.set(live)
            # Spans of the ended trace are over for this context: back to the span that was
            # current when the trace began (or the nearest live one before it).
            current_span.set(first_live_span(self._prev_span))

    def export(self) -> dict[str, Any]:
        """The trace as a JSON-ready dict (one line of the JSONL file processor)."""
        return {
            "object": "trace",
            "id": self.trace_id,
            "workflow_name": self.name,
            "group_id": self.group_id,
            "metadata": self.metadata,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "start_time_ns": self.start_time_ns,
            "end_time_ns": self.end_time_ns,
        }

    def __enter__(self) -> Trace:
        self.start(mark_as_current=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, Exception):  # a cancellation is not a failure of the workflow
            self.record_exception(exc)
        self.finish(reset_current=True)

    def record_exception(self, exc: BaseException) -> None:
        """Records `exc` as the workflow's error (before `finish()`)."""
        self.error = SpanError(message=str(exc), type=exception_type_name(exc))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.trace_id}>"


class NoOpTrace(Trace):
    """A trace that records nothing and calls no processor (tracing disabled).

    It still becomes the current trace: the runner sees that a trace is open and does not open
    its own, and spans created under it are `NoOpSpan`s.
    """

    __slots__ = ()

    def __init__(
        self,
        name: str = "no-op",
        group_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.trace_id = "no-op"
        self.name = name
        self.group_id = group_id
        self.metadata = metadata if metadata is not None else {}
        self.start_time_ns = None
        self.end_time_ns = None
        self.error = None
        self.opened_by_runner = False
        self._state = _NEW
        self._mono = 0
        self._prev_trace = None
        self._prev_span = None

    def start(self, mark_as_current: bool = False) -> None:
        if self._state:
            return
        self._state = _STARTED
        if mark_as_current:
            self._make_current()

    def finish(self, reset_current: bool = False) -> None:
        if self._state != _STARTED:
            return
        self._state = _ENDED
        if reset_current:
            self._restore_current()
