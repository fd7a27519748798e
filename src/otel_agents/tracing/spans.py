"""Spans: one timed operation inside a trace, with its data, parent and error.

A span starts and ends exactly once: a second `start()` or `finish()` does nothing, so processors
see each span's start and end once however the runner's error paths unwind. `NoOpSpan` has the
same interface and calls no processor; it is what you get when tracing is off.

Times: `start_time_ns` is the wall clock (`time.time_ns()`) when the span starts, and
`end_time_ns` adds the monotonic time elapsed since then, so a duration is exact and never
negative even if the wall clock is stepped mid-span. `started_at` / `ended_at` are the same
instants in float seconds, for the seed's `span.ended_at - span.started_at`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from time import perf_counter_ns, time_ns
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..exceptions import exception_message
from .context import current_span
from .span_data import SpanData

if TYPE_CHECKING:
    from .processor import TracingProcessor

TData = TypeVar("TData", bound=SpanData)

# Span life cycle, kept in one small int so NoOpSpan shares the bookkeeping.
_NEW, _STARTED, _ENDED = 0, 1, 2

# Leaving a `with span:` block because of these is control flow, not a failure of the operation.
_NOT_ERRORS = (asyncio.CancelledError, GeneratorExit, KeyboardInterrupt)


@dataclass(slots=True)
class SpanError:
    """What went wrong in a span.

    Attributes:
        message: A human-readable description (for exceptions, `str(exc)`).
        data: Extra context, JSON-ready.
        type: The exception's qualified type name ("ValueError",
            "otel_agents.exceptions.MaxTurnsExceeded"), when the error is an exception.
    """

    message: str
    data: dict[str, Any] | None = None
    type: str | None = None


def exception_type_name(exc: BaseException) -> str:
    """`exc`'s type as "Name" for builtins and "module.Name" otherwise."""
    cls = type(exc)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


class Timed:
    """Start and end times shared by traces and spans: exact nanoseconds, and float seconds so
    the seed's `span.ended_at - span.started_at` formats with `:.2f`."""

    __slots__ = ("end_time_ns", "start_time_ns")

    start_time_ns: int | None
    end_time_ns: int | None

    @property
    def started_at(self) -> float | None:
        """Start time in seconds since the epoch, None before `start()`."""
        ns = self.start_time_ns
        return None if ns is None else ns / 1e9

    @property
    def ended_at(self) -> float | None:
        """End time in seconds since the epoch, None before `finish()`."""
        ns = self.end_time_ns
        return None if ns is None else ns / 1e9


class Span(Timed, Generic[TData]):
    """One operation in a trace. Create spans with the factories (`agent_span`, `custom_span`, ...).

    Attributes:
        trace_id: The trace's id (usually "trace_" + 32 hex digits).
        span_id: This span's id ("span_" + 16 hex digits, or the string a user gave).
        parent_id: The parent span's id, or None for a span directly under the trace.
        span_data: What the span records; the runner fills late fields before the span ends.
        error: What went wrong, or None.
        start_time_ns: Wall-clock start in nanoseconds since the epoch, None before `start()`.
        end_time_ns: Wall-clock end in nanoseconds since the epoch, None before `finish()`.
    """

    __slots__ = (
        "_mono",
        "_prev",
        "_processor",
        "_state",
        "error",
        "parent_id",
        "span_data",
        "span_id",
        "trace_id",
    )

    def __init__(
        self,
        trace_id: str,
        span_id: str,
        parent_id: str | None,
        span_data: TData,
        processor: TracingProcessor,
    ) -> None:
        self.trace_id = trace_id
        self.span_id = span_id
        self.parent_id = parent_id
        self.span_data = span_data
        self.error: SpanError | None = None
        self.start_time_ns: int | None = None
        self.end_time_ns: int | None = None
        self._processor = processor
        self._state = _NEW
        self._mono = 0
        # The span that was current before this one became current, to restore on finish.
        self._prev: Span[Any] | None = None

    @property
    def span_type(self) -> str:
        """The span's type: "agent", "generation", "function", "guardrail", "handoff", "custom"."""
        return self.span_data.type

    def start(self, mark_as_current: bool = False) -> None:
        """Start the span and tell the processors; a second call does nothing.

        Args:
            mark_as_current: Make this the current span, so spans created without an explicit
                parent nest under it.
        """
        if self._state:
            return
        self._state = _STARTED
        start = self.start_time_ns = time_ns()
        # The monotonic clock's offset from the wall clock at start: the monotonic clock minus it
        # at the end is the start + the exact elapsed time.
        self._mono = perf_counter_ns() - start
        self._processor.on_span_start(self)
        if mark_as_current:
            self._prev = current_span.get()
            current_span.set(self)

    def finish(self, reset_current: bool = False) -> None:
        """End the span and tell the processors; does nothing if not started or already ended.

        Args:
            reset_current: Restore the current span to what it was before this span became
                current (skipping spans that have ended meanwhile). Safe from any task or thread.
        """
        if self._state != _STARTED:
            return
        self._state = _ENDED
        self.end_time_ns = perf_counter_ns() - self._mono
        self._processor.on_span_end(self)
        if reset_current:
            restore_current_span()

    def set_error(self, error: SpanError) -> None:
        """Record what went wrong (replacing any earlier error)."""
        self.error = error

    def record_exception(self, exc: BaseException, data: dict[str, Any] | None = None) -> None:
        """Record `exc` as the span's error: its message, `data`, and its qualified type name."""
        self.error = SpanError(
            message=exception_message(exc), data=data, type=exception_type_name(exc)
        )

    def export(self) -> dict[str, Any]:
        """The span as a JSON-ready dict (one line of the JSONL file processor)."""
        error = self.error
        return {
            "object": "trace.span",
            "id": self.span_id,
            "trace_id": self.trace_id,
            "parent_id": self.parent_id,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "start_time_ns": self.start_time_ns,
            "end_time_ns": self.end_time_ns,
            "span_data": self.span_data.export(),
            "error": None
            if error is None
            else {"message": error.message, "data": error.data, "type": error.type},
        }

    def __enter__(self) -> Span[TData]:
        self.start(mark_as_current=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # An error the code already set (e.g. with richer data) wins over the generic one.
        if exc is not None and self.error is None and not isinstance(exc, _NOT_ERRORS):
            self.record_exception(exc)
        self.finish(reset_current=True)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.span_type} {self.span_id} "
            f"trace={self.trace_id} parent={self.parent_id}>"
        )


class NoOpSpan(Span[TData]):
    """A span that records nothing and calls no processor (tracing disabled).

    It still becomes the current span, so spans created inside it are no-ops too, and it still
    holds its `span_data` for code that fills late fields unconditionally.
    """

    __slots__ = ()

    def __init__(self, span_data: TData) -> None:
        self.trace_id = "no-op"
        self.span_id = "no-op"
        self.parent_id = None
        self.span_data = span_data
        self.error = None
        self.start_time_ns = None
        self.end_time_ns = None
        self._state = _NEW
        self._mono = 0
        self._prev = None

    def start(self, mark_as_current: bool = False) -> None:
        if self._state:
            return
        self._state = _STARTED
        if mark_as_current:
            self._prev = current_span.get()
            current_span.set(self)

    def finish(self, reset_current: bool = False) -> None:
        if self._state != _STARTED:
            return
        self._state = _ENDED
        if reset_current:
            restore_current_span()


def first_live_span(span: Span[Any] | None) -> Span[Any] | None:
    """`span`, or the nearest span before it in its current-span chain that has not ended."""
    while span is not None and span._state == _ENDED:
        span = span._prev
    return span


def restore_current_span() -> None:
    """Make the current span the nearest live one, if the current span has ended.

    Walking back over ended spans (instead of `ContextVar.reset`) is what lets spans end out of
    order and in another task without raising: a live current span is left alone, an ended one
    is replaced by the span that was current before it, repeatedly.
    """
    current = current_span.get()
    live = first_live_span(current)
    if live is not current:
        current_span.set(live)
