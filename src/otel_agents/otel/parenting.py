"""Where the bridge's OTel spans sit in the OTel trace, and how they become the current context.

Two jobs, both about context (and ids):

- **Our trace id as the OTel trace id.** When no OTel span is current at trace start, the root
  `invoke_workflow` span takes our trace id's 32 hex digits as its OTel trace id, so the id a user
  logs can be pasted into Jaeger. It must stay a true root (a made-up remote parent would show as
  "missing parent" in backends), so instead of a fake parent we wrap the SDK tracer's IdGenerator
  and pin the trace id in a ContextVar for the duration of that one `start_span` call. Span ids
  are pinned the same way: the OTel span id is our span id's 16 hex digits, or a hash of any
  other id (the OpenAI Agents SDK's 24-hex ones), so it is deterministic for both runners; a
  trace id of another form (users may give any string, e.g. "trace_123") is hashed the same way.
- **Attach and detach without "Failed to detach context".** An open span is attached as the
  current OTel context so other instrumentation nests under it. A context token can only be reset
  in the Context that created it, and only in LIFO order without clobbering newer attachments. We
  set a marker ContextVar next to each attachment: resetting its token succeeds only in the same
  Context, which tells us detaching is safe. A span that ends elsewhere (another task or thread)
  or out of order is parked, and unwound the next time its own Context reaches the bridge with
  that span current. While a model call's span is current, the attached context also carries
  the suppression keys, so an instrumented OpenAI client does not duplicate our LLM span.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar, Token
from hashlib import blake2b
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace as trace_api
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY
from opentelemetry.sdk.trace import Tracer as SdkTracer
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.util.types import AttributeValue

_pinned_trace_id: ContextVar[int | None] = ContextVar("otel_agents_pinned_trace_id", default=None)
_pinned_span_id: ContextVar[int | None] = ContextVar("otel_agents_pinned_span_id", default=None)
_attach_marker: ContextVar[int] = ContextVar("otel_agents_attach_marker", default=0)
# Read by LLM client instrumentations (e.g. opentelemetry-instrumentation-openai) so that a
# framework's LLM span is not duplicated; a plain string key, as they set and read it.
_SUPPRESS_LLM_KEY = "suppress_language_model_instrumentation"


class PinnedTraceIds(IdGenerator):
    """Wraps a tracer's IdGenerator so that a root span can take a pinned trace id."""

    def __init__(self, inner: IdGenerator) -> None:
        self.inner = inner

    def generate_span_id(self) -> int:
        pinned = _pinned_span_id.get()
        return pinned if pinned is not None else self.inner.generate_span_id()

    def generate_trace_id(self) -> int:
        pinned = _pinned_trace_id.get()
        return pinned if pinned is not None else self.inner.generate_trace_id()

    def is_trace_id_random(self) -> bool:
        if _pinned_trace_id.get() is not None:
            return False  # a user may pass any trace_id: promise no randomness
        check = getattr(self.inner, "is_trace_id_random", None)
        return bool(check()) if check is not None else False


def enable_pinning(tracer: trace_api.Tracer) -> bool:
    """Lets `pinned_trace_id` work on `tracer`; False when it is not an SDK tracer."""
    if not isinstance(tracer, SdkTracer):
        return False
    if not isinstance(tracer.id_generator, PinnedTraceIds):
        tracer.id_generator = PinnedTraceIds(tracer.id_generator)
    return True


def pin_trace_id(trace_id: str) -> Token[int | None] | None:
    """Until `unpin(token)`, a new root span gets `trace_id` (ours) as its OTel trace id.

    Pins nothing (returns None) when an OTel span is current (the root then joins that trace).
    Set and reset around one `start_span` call, directly (no context manager: this runs for
    every trace).
    """
    if trace_api.get_current_span().get_span_context().is_valid:
        return None
    return _pinned_trace_id.set(otel_trace_id(trace_id))


def pin_span_id(span_id: str) -> Token[int | None]:
    """Until `unpin(token)`, a new span gets `otel_span_id(span_id)` as its OTel span id."""
    return _pinned_span_id.set(otel_span_id(span_id))


def unpin(token: Token[int | None] | None) -> None:
    """Undoes `pin_trace_id` or `pin_span_id` (in the same Context, right after `start_span`)."""
    if token is not None:
        token.var.reset(token)


def otel_trace_id(trace_id: str) -> int:
    """Our "trace_<32 hex>" as an OTel trace id; any other id (the SDK accepts any string, e.g.
    "trace_123") as the first 16 bytes of its BLAKE2b hash: deterministic, never 0."""
    return _otel_id(trace_id, "trace_", 16)


def otel_span_id(span_id: str) -> int:
    """Our "span_<16 hex>" as an OTel span id; any other id (the OpenAI Agents SDK's
    "span_<24 hex>") as the first 8 bytes of its BLAKE2b hash: deterministic, never 0."""
    return _otel_id(span_id, "span_", 8)


def _otel_id(value: str, prefix: str, size: int) -> int:
    """`value`'s hex part when it is exactly `size` bytes and not 0, else a hash of `value`."""
    hex_part = value[len(prefix) :] if value.startswith(prefix) else ""
    if len(hex_part) == 2 * size:
        try:
            number = int(hex_part, 16)
        except ValueError:
            number = 0
        if number:
            return number
    digest = blake2b(value.encode("utf-8", "surrogatepass"), digest_size=size).digest()
    return int.from_bytes(digest, "big") or 1


class Entry:
    """One open OTel span, its attachment, and what its children inherit.

    `context` is the OTel Context with the span set (its children's parent context, built once
    per span); `attached` is the Context actually attached (with suppression keys, if any).
    """

    __slots__ = (
        "agent",
        "attached",
        "context",
        "cost",
        "group_id",
        "inference_calls",
        "marker",
        "nested",
        "otel_span",
        "output_type",
        "owner",
        "start_attributes",
        "start_ns",
        "token",
        "tool_calls",
        "turn",
        "user_id",
        "virtual",
        "workflow",
    )

    def __init__(
        self,
        otel_span: trace_api.Span,
        agent: str | None,
        workflow: str | None,
        group_id: str | None,
        user_id: str | None = None,
    ) -> None:
        self.otel_span = otel_span
        self.agent = agent
        self.workflow = workflow
        self.group_id = group_id  # the conversation's id, and its user's, for the span's events
        self.user_id = user_id
        self.context: context_api.Context | None = None
        self.attached: context_api.Context | None = None
        self.token: object | None = None
        self.marker: Token[int] | None = None
        # What children inherit or report to: the agent's output type ("text"/"json"), the
        # agent entry that counts their model and tool calls.
        self.output_type: str | None = None
        self.owner: Entry | None = None
        self.inference_calls = 0
        self.tool_calls = 0
        self.nested = False  # an invocation inside another in-process invocation (#571)
        self.turn: Entry | None = None  # the run's handle_conversation_turn (newest profile)
        self.virtual = False  # no span of its own: `otel_span` is its host's (never ended here)
        self.start_ns: int | None = None  # turns: for their duration, recording or not
        # Start attributes kept for the span's end-time event (model calls, when enabled).
        self.start_attributes: dict[str, AttributeValue] | None = None
        self.cost: Any = None  # agents and turns: a cost.CostSum of the model calls under them


class Attachments:
    """Attaches entries' spans as the current OTel context and detaches them safely."""

    def __init__(self, max_parked: int = 10_000) -> None:
        self._parked: dict[int, Entry] = {}
        self._max_parked = max_parked
        self._lock = threading.Lock()

    def attach(self, entry: Entry, suppress: bool = False) -> None:
        """Makes `entry`'s span the current OTel span in this Context.

        With `suppress` (a model call: our span is the LLM client span), other instrumentation
        is told to stay quiet while it is current, so an instrumented OpenAI client adds no
        duplicate LLM span: the standard suppression key, and the one LLM instrumentations read.
        """
        context = entry.context = trace_api.set_span_in_context(entry.otel_span)
        if suppress:
            context = context_api.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True, context)
            context = context_api.set_value(_SUPPRESS_LLM_KEY, True, context)
        entry.attached = context
        entry.token = context_api.attach(context)
        entry.marker = _attach_marker.set(0)

    def release(self, entry: Entry) -> None:
        """Detaches `entry` now if safe, else parks it for `unwind`."""
        if entry.token is None:
            return
        if self._parked:
            self.unwind()  # spans that ended elsewhere may still sit on top of ours here
        current = context_api.get_current()
        # The Context we attached still current: our span is (the cheap check, nearly always).
        ours = current is entry.attached or trace_api.get_current_span(current) is entry.otel_span
        if ours and _same_context(entry):
            _detach(entry)
            if self._parked:
                self.unwind()
        else:
            self.park(entry)

    def unwind(self) -> None:
        """Detaches ended spans left current in this Context, innermost first."""
        parked = self._parked
        while parked:
            current = trace_api.get_current_span()
            entry = parked.get(id(current))
            if entry is None or entry.otel_span is not current or not _same_context(entry):
                return
            parked.pop(id(current), None)
            _detach(entry)

    def clear(self) -> None:
        """Forgets parked attachments."""
        self._parked.clear()

    def park(self, entry: Entry) -> None:
        """Keeps `entry` for `unwind` (bounded: the oldest parked entries are forgotten)."""
        if entry.token is None:
            return
        self._parked[id(entry.otel_span)] = entry
        if len(self._parked) <= self._max_parked:
            return
        with self._lock:  # bounded: attachments of Contexts that never come back are dropped
            while len(self._parked) > self._max_parked:
                try:
                    self._parked.pop(next(iter(self._parked)), None)
                except (StopIteration, RuntimeError):
                    break


def _same_context(entry: Entry) -> bool:
    """True in the Context that attached `entry` (resetting the marker succeeds only there)."""
    if entry.marker is None:
        return False
    try:
        _attach_marker.reset(entry.marker)
    except (ValueError, RuntimeError):
        return False
    entry.marker = None
    return True


def _detach(entry: Entry) -> None:
    token, entry.token = entry.token, None
    context_api.detach(token)  # type: ignore[arg-type]
