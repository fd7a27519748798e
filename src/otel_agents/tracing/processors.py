"""Built-in processors the seed mentions: a console printer and a JSONL file writer.

`ConsoleSpanProcessor` prints one line per ended trace or span to a stream (stdout by default,
looked up at write time so test capture works). `JsonlFileProcessor` writes one exported trace or
span a line from a background thread: the callbacks only put the export on a bounded queue, so a
slow disk never blocks a run; when the queue is full, items are dropped and counted in `dropped`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import queue
import sys
import threading
import weakref
from typing import IO, Any

from .. import _env
from .processor import TracingProcessor
from .span_data import HandoffSpanData, SpanData
from .spans import Span
from .traces import Trace

logger = logging.getLogger("otel_agents.tracing")


def span_label(data: SpanData) -> str:
    """A short human name for a span: the agent, tool, guardrail or custom name, the model, or
    "from -> to" for a handoff."""
    if isinstance(data, HandoffSpanData):
        return f"{data.from_agent} -> {data.to_agent}"
    name = getattr(data, "name", None)
    if name is None:
        name = getattr(data, "model", None)
    return str(name) if name is not None else ""


def _seconds(start_ns: int | None, end_ns: int | None) -> str:
    if start_ns is None or end_ns is None:
        return "?"
    return f"{(end_ns - start_ns) / 1e9:.3f}s"


class ConsoleSpanProcessor(TracingProcessor):
    """Prints a line when each trace or span ends, e.g. for a quick look at a run.

    Lines look like `[otel-agents] span agent "Triage" 0.012s span_... parent=span_...
    trace=trace_...` and end with `error=Type: message` when the span failed. Span data content
    (prompts, completions, tool arguments) is never printed.
    """

    def __init__(self, stream: IO[str] | None = None) -> None:
        """Print to `stream`; None means the `sys.stdout` of the moment of each write."""
        self._stream = stream
        self._lock = threading.Lock()

    def _write(self, line: str) -> None:
        stream = self._stream if self._stream is not None else sys.stdout
        with self._lock:
            stream.write(line + "\n")

    def on_trace_start(self, trace: Trace) -> None:
        pass

    def on_span_start(self, span: Span[Any]) -> None:
        pass

    def on_trace_end(self, trace: Trace) -> None:
        group = f" group={trace.group_id}" if trace.group_id else ""
        duration = _seconds(trace.start_time_ns, trace.end_time_ns)
        self._write(f'[otel-agents] trace "{trace.name}" {duration} {trace.trace_id}{group}')

    def on_span_end(self, span: Span[Any]) -> None:
        line = (
            f'[otel-agents] span {span.span_type} "{span_label(span.span_data)}" '
            f"{_seconds(span.start_time_ns, span.end_time_ns)} {span.span_id} "
            f"parent={span.parent_id or '-'} trace={span.trace_id}"
        )
        if span.error is not None:
            line += f" error={span.error.type or 'error'}: {span.error.message}"
        self._write(line)

    def force_flush(self) -> None:
        stream = self._stream if self._stream is not None else sys.stdout
        with self._lock:
            stream.flush()


_STOP = object()


class JsonlFileProcessor(TracingProcessor):
    """Appends each ended trace and span to a JSON Lines file, written by a background thread.

    Each line is `Trace.export()` or `Span.export()` (an `"object"` key tells which). Values
    JSON cannot encode are written as their `str()`. The file is opened (and created) when the
    processor is built, so a bad path fails at once; lines go to the OS whenever the queue runs
    empty. A failed write (a full disk) is logged once; its lines are counted in `dropped`.

    Attributes:
        path: The file written to.
        dropped: How many traces and spans were lost: the queue was full or a write failed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        max_queue_size: int = 8192,
        timeout: float = 5.0,
        *,
        include_sensitive_data: bool | None = None,
    ) -> None:
        """Open `path` for appending and start the writer thread.

        Args:
            path: The JSONL file; appended to if it exists.
            max_queue_size: How many exports may wait for the writer before new ones are dropped.
            timeout: Longest wait, in seconds, in `force_flush` and `shutdown`.
            include_sensitive_data: False: no sensitive custom span data and no exception
                messages (only their type) in the file. Default: env
                OTEL_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA (else the SDK's name for it), else true.
        """
        self.path = os.fspath(path)
        self.dropped = 0
        self._timeout = timeout
        self._sensitive = (
            _env.include_sensitive_data()
            if include_sensitive_data is None
            else include_sensitive_data
        )
        # Unbuffered: a failed write loses only its own lines, counted; nothing is left to raise
        # from a later flush or close.
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - closed in shutdown
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue_size)
        self._lock = threading.Lock()
        self._closed = False
        self._write_failed = False
        self._start_writer()
        if hasattr(os, "register_at_fork"):  # a forked child has no writer thread: start one
            this = weakref.ref(self)
            os.register_at_fork(after_in_child=lambda: _restart_in_child(this))

    def _start_writer(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="otel-agents-jsonl-writer", daemon=True
        )
        self._thread.start()

    def _after_fork(self) -> None:
        # The parent writes what it had queued; the child starts empty so no line is written twice.
        self._queue = queue.Queue(maxsize=self._queue.maxsize)
        self._lock = threading.Lock()
        if not self._closed:
            self._start_writer()

    def _put(self, item: dict[str, Any]) -> None:
        if self._closed:
            return
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            with self._lock:
                self.dropped += 1
                first = self.dropped == 1
            if first:
                logger.warning(
                    "JsonlFileProcessor queue full (%d items): dropping traces and spans for %s; "
                    "see .dropped for the count",
                    self._queue.maxsize,
                    self.path,
                )

    def on_trace_start(self, trace: Trace) -> None:
        pass

    def on_span_start(self, span: Span[Any]) -> None:
        pass

    def on_trace_end(self, trace: Trace) -> None:
        self._put(trace.export())

    def on_span_end(self, span: Span[Any]) -> None:
        # Exported here, not in the writer: the span's data is final now and may be reused later.
        item = span.export()
        if not self._sensitive:  # as OTel export does without content capture
            if item["error"] is not None:
                item["error"] = {"message": None, "data": None, "type": item["error"]["type"]}
            if getattr(span.span_data, "sensitive", False):
                item["span_data"]["data"] = {}
        self._put(item)

    def _run(self) -> None:
        get = self._queue.get
        while True:
            lines: list[bytes] = []
            item = get()
            while True:
                if item is _STOP:
                    self._write(lines)
                    return
                if isinstance(item, threading.Event):  # a force_flush marker
                    self._write(lines)
                    lines = []
                    item.set()
                else:
                    lines.append(json.dumps(item, default=str, ensure_ascii=False).encode() + b"\n")
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write(lines)

    def _write(self, lines: list[bytes]) -> None:
        data = memoryview(b"".join(lines))
        written = 0
        try:
            while written < len(data):
                written += self._file.write(data[written:]) or 0
        except Exception as error:
            ends = itertools.accumulate(len(line) for line in lines)
            lost = sum(1 for end in ends if end > written)  # a line cut short is lost too
            with self._lock:
                self.dropped += lost
            if not self._write_failed:
                self._write_failed = True
                logger.error(
                    "JsonlFileProcessor could not write to %s (%s): traces and spans are lost "
                    "and counted in .dropped",
                    self.path,
                    error,
                )

    def force_flush(self) -> None:
        """Wait (up to `timeout`) until everything queued so far is written and flushed."""
        if self._closed or not self._thread.is_alive():
            return
        done = threading.Event()
        try:
            self._queue.put(done, timeout=self._timeout)
        except queue.Full:
            return
        done.wait(self._timeout)

    def shutdown(self) -> None:
        """Write what is queued, stop the writer and close the file; later items are ignored."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if self._thread.is_alive():
            with contextlib.suppress(queue.Full):  # writer stuck: give up after the timeout
                self._queue.put(_STOP, timeout=self._timeout)
            self._thread.join(self._timeout)
        if not self._thread.is_alive():
            with contextlib.suppress(OSError):  # shutdown never raises; failures were counted
                self._file.close()


def _restart_in_child(ref: weakref.ReferenceType[JsonlFileProcessor]) -> None:
    processor = ref()
    if processor is not None:
        processor._after_fork()
