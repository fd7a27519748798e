"""The OpenAI Agents SDK's traces and spans as ours: what lets one processor serve both runners.

`OTelTracingProcessor` reads our `Trace`/`Span` objects. When it is registered with the upstream
SDK (`agents.add_trace_processor`), it receives the SDK's objects instead; `SdkAdapter` turns each
into a read-only view of ours (same ids, our span data classes, nanosecond times, `SpanError`)
and passes our own objects through untouched. This module never imports `agents`: it reads the
SDK's objects by attribute, so otel-agents works without the `openai-agents` extra.

| SDK span type      | our span data                        | read at the end                    |
| ------------------ | ------------------------------------ | ---------------------------------- |
| agent              | AgentSpanData                        | tools, handoffs, provider, model   |
| response           | GenerationSpanData, "openai"         | model, id, usage, finish reasons   |
| generation         | GenerationSpanData                   | usage, response id and model       |
| function           | FunctionSpanData                     | arguments, result                  |
| guardrail, handoff | GuardrailSpanData, HandoffSpanData   | triggered, target agent            |
| custom             | CustomSpanData                       | data                               |
| mcp_tools          | CustomSpanData "mcp tools/list {s}"  | tool names                         |
| task, turn         | none: passed through; children nest under the nearest mapped ancestor   |
| speech, others     | CustomSpanData named after the type, without data                        |

Facts the SDK does not hand to processors are recovered where a stable signal exists, each one
tested against the installed SDK:

- Span ids stay the SDK's ("span_" + 24 hex); `parenting.otel_span_id` maps them to OTel span ids
  deterministically. Trace ids map one to one. Times come from the ISO `started_at`/`ended_at`;
  traces carry none, so a trace's are taken when the processor is called.
- Streamed or not: whether the model span starts inside `Model.stream_response` or
  `get_response` (the two methods of the SDK's model interface), read from the call stack.
- A guardrail's kind: whether it runs in the SDK's `run_single_input_guardrail` or
  `run_single_output_guardrail`.
- A tool call's id: the function call of the same name in the output of the model call that
  preceded it under the same parent (needs the `Response`, which the SDK hands over unless
  `trace_include_sensitive_data=False`).
- An agent's provider and model: those of its first model call (else "openai", the SDK's
  default provider), set when the agent span ends.
- `error.type`: the type of the exception propagating when the span ends, if any (and not
  already being handled when it started).
- A run's outcome, on its last agent span: an agent span that ends without a resolved handoff
  ends the run; the outcome comes from the exception propagating, or a guardrail that tripped.

Start attributes that only become known at the end (a model's name, an agent's tools) are
returned as `SdkSpanView.late_start`, which the processor applies at end.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from time import time_ns
from types import FrameType
from typing import Any

from ..tracing.processor import MultiProcessor
from ..tracing.span_data import (
    AgentSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    SpanData,
)
from ..tracing.spans import Span
from ..tracing.traces import Trace
from . import mapping
from .openai_agents_data import (
    DEFAULT_PROVIDER,
    convert,
    function_calls,
    iso_ns,
    run_outcome,
    span_error,
)

PASSED_THROUGH = frozenset({"task", "turn"})
"""SDK span types that get no OTel span; their children nest under the nearest mapped ancestor."""

_NO_PROCESSOR = MultiProcessor()  # views are never started or finished: nothing is ever called
_STACK_DEPTH = 24  # frames from the SDK's span start back to the model/guardrail function
_MODEL_METHODS = frozenset({"stream_response", "get_response"})
_GUARDRAIL_FUNCTIONS = frozenset({"run_single_input_guardrail", "run_single_output_guardrail"})
_RUNNER_TRACE_STARTS = frozenset({"start_streaming"})


class SdkSpanView(Span[Any]):
    """One SDK span as ours. `late_start` holds start fields the SDK filled after the start."""

    __slots__ = ("late_start",)

    def __init__(self, span_id: str, trace_id: str, parent_id: str | None, data: SpanData) -> None:
        super().__init__(trace_id, span_id, parent_id, data, _NO_PROCESSOR)
        self.late_start: mapping.SpanStart | None = None


@dataclass(slots=True)
class _Open:
    """What the adapter remembers about one open SDK span."""

    parent_id: str | None  # its effective parent (a passed-through span's own parent)
    agent_id: str | None  # the nearest agent span at or above it
    passed: bool
    data: SpanData | None = None
    start: mapping.SpanStart | None = None  # mapped at start, to diff with the end
    model: tuple[str, str | None] | None = None  # agents: (provider, model) of a model call
    exc_at_start: int = 0  # id() of the exception being handled when it started, if any
    handed_off: bool = False  # agents: a handoff from it resolved
    tripped: bool = False  # agents: a guardrail under it tripped
    start_ns: int | None = None  # its start, parsed once from the SDK's ISO string


@dataclass
class _Calls:
    """Function calls of a parent's latest model output, not yet matched to a function span."""

    pending: deque[tuple[str, str]] = field(default_factory=deque)  # (tool name, call id)


class SdkAdapter:
    """Turns the SDK's traces and spans into views of ours; our own objects pass through.

    One per processor. State is two dicts of open traces and spans, bounded by `max_open`
    (oldest dropped), each entry removed when its trace or span ends.
    """

    def __init__(self, max_open: int = 100_000, content: bool = True) -> None:
        self._max_open = max_open
        self._content = content  # convert model calls' content (only when it can be exported)
        self._traces: dict[str, tuple[int, int]] = {}  # trace id -> (start ns, exc id at start)
        self._spans: dict[str, _Open] = {}
        self._calls: dict[str, _Calls] = {}  # SDK parent span id -> its pending tool calls
        self._lock = threading.Lock()

    def trace(self, trace: Any, ending: bool = False) -> Trace:
        """`trace` if it is ours, else a view of the SDK trace (times taken now)."""
        if isinstance(trace, Trace):
            return trace
        trace_id = str(trace.trace_id)
        now = time_ns()
        view = Trace(
            str(trace.name),
            trace_id,
            getattr(trace, "group_id", None),
            getattr(trace, "metadata", None),
            _NO_PROCESSOR,
        )
        exc = sys.exc_info()[1]
        if ending:
            view.start_time_ns, exc_at_start = self._traces.pop(trace_id, (now, 0))
            view.end_time_ns = now
            # The SDK ends a run's trace in its `__exit__`: an exception propagating now (and not
            # already being handled when the trace started) is the workflow's failure.
            if isinstance(exc, Exception) and id(exc) != exc_at_start:
                view.record_exception(exc)
        else:
            view.start_time_ns = now
            # The SDK's runner opens a run's trace in `TraceCtxManager.__enter__`, or for a
            # streamed run in `start_streaming`; the app's `trace()` in neither.
            view.opened_by_runner = _frame_of_class("TraceCtxManager") or (
                _calling_function(_RUNNER_TRACE_STARTS) is not None
            )
            self._bounded(self._traces)[trace_id] = (now, id(exc))
        return view

    def span(self, span: Any, ending: bool = False) -> Span[Any] | None:
        """`span` if it is ours, a view of an SDK span, or None for a passed-through span."""
        if isinstance(span, Span):
            return span
        return self._end(span) if ending else self._start(span)

    # --- start and end ------------------------------------------------------------------------

    def _start(self, span: Any) -> SdkSpanView | None:
        sdk = span.span_data
        kind = str(sdk.type)
        raw_parent: str | None = span.parent_id
        parent = self._spans.get(raw_parent) if raw_parent else None
        effective = (parent.parent_id if parent.passed else raw_parent) if parent else raw_parent
        agent_id = parent.agent_id if parent else None
        span_id = str(span.span_id)
        if kind in PASSED_THROUGH:
            self._bounded(self._spans)[span_id] = _Open(effective, agent_id, passed=True)
            return None
        data = convert(sdk, kind, self._start_facts(kind, sdk, raw_parent), self._content)
        record = _Open(effective, span_id if kind == "agent" else agent_id, passed=False, data=data)
        record.exc_at_start = id(sys.exc_info()[1])
        if isinstance(data, (AgentSpanData, GenerationSpanData)):
            record.start = mapping.span_start(data)
        self._bounded(self._spans)[span_id] = record
        view = SdkSpanView(span_id, str(span.trace_id), effective, data)
        view.start_time_ns = record.start_ns = iso_ns(span.started_at)
        return view

    def _end(self, span: Any) -> SdkSpanView | None:
        span_id = str(span.span_id)
        record = self._spans.pop(span_id, None)
        self._calls.pop(span_id, None)  # its children have ended: their calls are settled
        if record is not None and record.passed:
            return None
        sdk = span.span_data
        kind = str(sdk.type)
        if record is None:  # started before this processor was registered: map what we can
            record = _Open(span.parent_id, None, passed=False)
        data = convert(sdk, kind, record.data, self._content)
        # The exception propagating now, unless it was already being handled at the start (a
        # run awaited inside the app's `except` block sees the app's exception throughout).
        exc = sys.exc_info()[1]
        exc = exc if exc is not None and id(exc) != record.exc_at_start else None
        error = span_error(span.error, exc)
        if error is None and isinstance(data, AgentSpanData) and isinstance(exc, Exception):
            error = span_error({"message": str(exc)}, exc)  # our runner records it there too
        owner = self._spans.get(record.agent_id) if record.agent_id else None
        if isinstance(data, GenerationSpanData):
            self._remember_calls(span.parent_id, sdk)
            if owner is not None and owner.model is None and data.provider:
                owner.model = (data.provider, data.model)
        elif isinstance(data, HandoffSpanData) and owner is not None and data.to_agent:
            owner.handed_off = True
        elif isinstance(data, GuardrailSpanData) and owner is not None and data.triggered:
            owner.tripped = True
        elif isinstance(data, AgentSpanData):
            data.provider, data.model = record.model or (DEFAULT_PROVIDER, None)
            if not record.handed_off:  # the SDK ends an agent span at a handoff or the run's end
                data.run_outcome = run_outcome(exc, error, record.tripped)
        view = SdkSpanView(span_id, str(span.trace_id), record.parent_id, data)
        start_ns = record.start_ns
        view.start_time_ns = iso_ns(span.started_at) if start_ns is None else start_ns
        view.end_time_ns = iso_ns(span.ended_at)
        view.error = error
        if record.start is not None:
            view.late_start = _late(record.start, mapping.span_start(data))
        return view

    def _start_facts(self, kind: str, sdk: Any, raw_parent: str | None) -> SpanData | None:
        """Facts only visible at start: stream or not, guardrail kind, the tool call id."""
        if kind in ("response", "generation"):
            streamed = _calling_function(_MODEL_METHODS) == "stream_response"
            return GenerationSpanData(stream=streamed)
        if kind == "guardrail":
            where = _calling_function(_GUARDRAIL_FUNCTIONS)
            return GuardrailSpanData(str(sdk.name), "output" if "output" in str(where) else "input")
        if kind == "agent":
            # The SDK fills an agent span's handoffs after its start; the run loop's agent has
            # them already, and whether it can hand off decides the trace's root (workflow.py).
            agent = _frame_local("current_agent", str(sdk.name))
            return AgentSpanData(str(sdk.name), handoffs=_handoff_names(agent))
        if kind == "function":
            calls = self._calls.get(raw_parent) if raw_parent else None
            call_id = _take_call(calls, str(sdk.name)) if calls is not None else None
            return FunctionSpanData(str(sdk.name), call_id=call_id)
        return None

    def _remember_calls(self, raw_parent: str | None, sdk: Any) -> None:
        if not raw_parent:
            return
        calls = function_calls(sdk)
        if calls:
            self._bounded(self._calls)[raw_parent] = _Calls(deque(calls))

    def _bounded(self, table: dict[str, Any]) -> dict[str, Any]:
        """`table`, after dropping its oldest entries if it reached the bound."""
        if len(table) >= self._max_open:
            with self._lock:
                while len(table) >= self._max_open:
                    try:
                        table.pop(next(iter(table)), None)
                    except (StopIteration, RuntimeError):
                        break
        return table


def _take_call(calls: _Calls, name: str) -> str | None:
    """Claims the first pending call of tool `name` (tool calls start in output order)."""
    for entry in calls.pending:
        if entry[0] == name:
            calls.pending.remove(entry)
            return entry[1]
    return None


def _late(start: mapping.SpanStart, end: mapping.SpanStart) -> mapping.SpanStart | None:
    """The start name/attributes that changed between the span's start and its end."""
    changed = {k: v for k, v in end.attributes.items() if start.attributes.get(k) != v}
    if not changed and end.name == start.name:
        return None
    return mapping.SpanStart(end.name, end.kind, changed)


def _calling_function(names: frozenset[str]) -> str | None:
    """The first of `names` found among the functions on the call stack above us, if any."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_STACK_DEPTH):
        if frame is None:
            return None
        name = frame.f_code.co_name
        if name in names:
            return name
        frame = frame.f_back
    return None


def _frame_local(name: str, agent_name: str) -> Any:
    """The agent held in local `name` of a caller on the stack, if it has `agent_name`."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_STACK_DEPTH):
        if frame is None:
            return None
        value = frame.f_locals.get(name) if name in frame.f_code.co_varnames else None
        if value is not None and getattr(value, "name", None) == agent_name:
            return value
        frame = frame.f_back
    return None


def _handoff_names(agent: Any) -> list[str]:
    """Names of the agents `agent` (an SDK Agent) can hand off to."""
    names: list[str] = []
    for target in getattr(agent, "handoffs", None) or ():
        name = getattr(target, "agent_name", None) or getattr(target, "name", None)
        if name is not None:
            names.append(str(name))
    return names


def _frame_of_class(class_name: str) -> bool:
    """Whether a method of a class named `class_name` is on the stack above us."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(_STACK_DEPTH):
        if frame is None:
            return False
        if "self" in frame.f_code.co_varnames[:1]:
            owner = frame.f_locals.get("self")
            if type(owner).__name__ == class_name:
                return True
        frame = frame.f_back
    return False
