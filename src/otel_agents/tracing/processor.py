"""The processor contract, and the fan-out that keeps one broken processor from hurting anything.

A `TracingProcessor` receives every trace and span as it starts and ends. `MultiProcessor` is what
traces and spans actually call: it holds the registered processors in a tuple (replaced whole, so
iteration never needs a lock) and calls each one inside its own try/except.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .spans import Span
    from .traces import Trace

logger = logging.getLogger("otel_agents.tracing")


class TracingProcessor(abc.ABC):
    """Receives traces and spans as they start and end; subclass it to export them anywhere.

    The contract:

    - Every callback is called synchronously, from the thread or asyncio task where the trace or
      span starts or ends, exactly once per trace or span, in order: `on_trace_start`, then the
      spans' `on_span_start` / `on_span_end` (children end before their parents when code nests
      them with `with`), then `on_trace_end`.
    - Callbacks may run concurrently from several threads: make them thread-safe.
    - Callbacks run on the agent's hot path: they must not block (hand slow work, such as
      network or file I/O, to a background thread) and must be cheap.
    - Callbacks must not raise. If one does, the error is logged once per processor and callback
      and swallowed: the run and the other processors carry on.
    - A span's data may still be filled in until the span ends: read it in `on_span_end`.

    `shutdown` and `force_flush` default to doing nothing; override them when the processor
    buffers work.
    """

    @abc.abstractmethod
    def on_trace_start(self, trace: Trace) -> None:
        """A trace started (its `trace_id`, `name`, `group_id` and `metadata` are set)."""

    @abc.abstractmethod
    def on_trace_end(self, trace: Trace) -> None:
        """A trace ended (its `ended_at` is set)."""

    @abc.abstractmethod
    def on_span_start(self, span: Span[Any]) -> None:
        """A span started; late fields of its `span_data` are not known yet."""

    @abc.abstractmethod
    def on_span_end(self, span: Span[Any]) -> None:
        """A span ended: its data, `error` and `ended_at` are final."""

    def shutdown(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Release resources; called once at process exit (after `force_flush`)."""

    def force_flush(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Export everything buffered so far before returning."""


class MultiProcessor(TracingProcessor):
    """Calls every registered processor in order, isolating each one's failures.

    Errors are logged once per (processor, callback) pair: a processor broken on every span
    would otherwise flood the log at the rate of the run.
    """

    def __init__(self, processors: Iterable[TracingProcessor] = ()) -> None:
        self.processors: tuple[TracingProcessor, ...] = tuple(processors)
        self._lock = threading.Lock()
        self._logged: set[tuple[int, str]] = set()

    def add(self, processor: TracingProcessor) -> None:
        """Append a processor (the tuple is replaced, so concurrent callbacks are unaffected)."""
        with self._lock:
            self.processors = (*self.processors, processor)

    def set(self, processors: Iterable[TracingProcessor]) -> None:
        """Replace every processor."""
        new = tuple(processors)
        with self._lock:
            self.processors = new

    def _failed(self, processor: TracingProcessor, callback: str, error: BaseException) -> None:
        key = (id(processor), callback)
        if key in self._logged:
            return
        with self._lock:
            if key in self._logged:
                return
            self._logged.add(key)
        # The processor is the user's; its own error is all we know. Log the type and traceback,
        # and say that repeats are muted so nobody waits for a second line.
        logger.error(
            "Tracing processor %s raised in %s; the run continues and further errors from this "
            "processor in %s are not logged",
            type(processor).__qualname__,
            callback,
            callback,
            exc_info=error,
        )

    def on_trace_start(self, trace: Trace) -> None:
        for processor in self.processors:
            try:
                processor.on_trace_start(trace)
            except Exception as error:
                self._failed(processor, "on_trace_start", error)

    def on_trace_end(self, trace: Trace) -> None:
        for processor in self.processors:
            try:
                processor.on_trace_end(trace)
            except Exception as error:
                self._failed(processor, "on_trace_end", error)

    def on_span_start(self, span: Span[Any]) -> None:
        for processor in self.processors:
            try:
                processor.on_span_start(span)
            except Exception as error:
                self._failed(processor, "on_span_start", error)

    def on_span_end(self, span: Span[Any]) -> None:
        for processor in self.processors:
            try:
                processor.on_span_end(span)
            except Exception as error:
                self._failed(processor, "on_span_end", error)

    def force_flush(self) -> None:
        for processor in self.processors:
            try:
                processor.force_flush()
            except Exception as error:
                self._failed(processor, "force_flush", error)

    def shutdown(self) -> None:
        for processor in self.processors:
            try:
                processor.shutdown()
            except Exception as error:
                self._failed(processor, "shutdown", error)
