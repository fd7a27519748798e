"""The bridge's metric instruments, created once per meter provider, and what each span records.

Histograms follow the GenAI conventions (names, units, attributes and the spec's advisory bucket
boundaries, passed as `explicit_bucket_boundaries_advisory` so any SDK pipeline gets useful
buckets without a View). Counters are ours (`otel_agents.*`) and count what the conventions do not
cover: stream events by type and name, runs by outcome, tool calls by outcome, handoffs, guardrail
trips, and telemetry the bridge or its export pipeline had to drop.

Cost: an SDK instrument call costs 6-11 us (attribute validation, hashing, aggregation, exemplar
sampling). The counters make none on the hot path: each is a running total per attribute set
(`totals.py`) published by an `ObservableCounter` callback when a reader collects, with the same
names, units and attributes as cumulative monotonic sums (counters carry no exemplars). The
histograms stay synchronous SDK calls, so their exemplars link metrics to traces; their attribute
dicts are built and cleaned once per distinct key and reused.

Cardinality stays bounded: attributes are operation, provider, model, agent, tool, workflow and
guardrail names, outcomes and error types; never ids or content (and a counter past
`totals.MAX_SERIES` attribute sets counts new ones in an overflow series). Every method is
called after the span has ended, once per span; stream events are added once per (type, name)
key per agent span, never once per token.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any, TypeVar

from opentelemetry.metrics import MeterProvider, get_meter_provider
from opentelemetry.util.types import AttributeValue

from ..tracing.span_data import (
    AgentSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    SpanData,
)
from . import semconv as sc
from .capture import clean_str
from .totals import Totals

Attributes = dict[str, AttributeValue]

_MAX_CACHED = 2000  # histogram attribute dicts kept per span kind; beyond, built per call
_T = TypeVar("_T")

_lock = threading.Lock()
_by_provider: weakref.WeakKeyDictionary[Any, BridgeMetrics] = weakref.WeakKeyDictionary()
_by_id: dict[int, tuple[Any, BridgeMetrics]] = {}  # providers that cannot be weakly referenced


class BridgeMetrics:
    """The instruments of one meter provider. Use `get_metrics()`, not the constructor."""

    def __init__(self, meter_provider: MeterProvider) -> None:
        meter = meter_provider.get_meter(sc.SCOPE_NAME, scope_version())
        self.token_usage = meter.create_histogram(
            sc.METRIC_TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=sc.TOKEN_BUCKETS,
        )
        self.duration = meter.create_histogram(
            sc.METRIC_OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=sc.SECONDS_BUCKETS,
        )
        self.time_to_first_chunk = meter.create_histogram(
            sc.METRIC_TIME_TO_FIRST_CHUNK,
            unit="s",
            description="Time from the request to the first chunk of a streamed response.",
            explicit_bucket_boundaries_advisory=sc.SECONDS_BUCKETS,
        )
        self.time_per_output_chunk = meter.create_histogram(
            sc.METRIC_TIME_PER_OUTPUT_CHUNK,
            unit="s",
            description="Mean time between output chunks after the first, per streamed response.",
            explicit_bucket_boundaries_advisory=sc.SECONDS_BUCKETS,
        )
        self._stream_events = Totals(
            (sc.OA_STREAM_EVENT_TYPE, sc.OA_STREAM_EVENT_NAME, sc.GEN_AI_AGENT_NAME),
            _split_event,  # raw values: ("event_type:name", agent)
        )
        self._runs = Totals((sc.OA_RUN_OUTCOME, sc.GEN_AI_AGENT_NAME, sc.GEN_AI_WORKFLOW_NAME))
        self._tool_calls = Totals((sc.GEN_AI_TOOL_NAME, sc.OA_TOOL_OUTCOME, sc.GEN_AI_AGENT_NAME))
        self._handoffs = Totals((sc.OA_HANDOFF_FROM_AGENT, sc.OA_HANDOFF_TO_AGENT))
        self._guardrail_trips = Totals((sc.OA_GUARDRAIL_NAME, sc.OA_GUARDRAIL_KIND))
        self._dropped = Totals((sc.OA_SIGNAL,))
        self.stream_events = meter.create_observable_counter(
            sc.METRIC_STREAM_EVENTS,
            [self._stream_events.observe],
            unit="{event}",
            description="Stream events emitted to callers.",
        )
        self.runs = meter.create_observable_counter(
            sc.METRIC_RUNS,
            [self._runs.observe],
            unit="{run}",
            description="Agent runs, by outcome.",
        )
        self.tool_calls = meter.create_observable_counter(
            sc.METRIC_TOOL_CALLS,
            [self._tool_calls.observe],
            unit="{call}",
            description="Tool calls, by tool and outcome.",
        )
        self.handoffs = meter.create_observable_counter(
            sc.METRIC_HANDOFFS,
            [self._handoffs.observe],
            unit="{handoff}",
            description="Handoffs between agents.",
        )
        self.guardrail_trips = meter.create_observable_counter(
            sc.METRIC_GUARDRAIL_TRIPS,
            [self._guardrail_trips.observe],
            unit="{trip}",
            description="Guardrail tripwires fired.",
        )
        self.dropped = meter.create_observable_counter(
            sc.METRIC_TELEMETRY_DROPPED,
            [self._dropped.observe],
            unit="{item}",
            description="Spans or metric points the bridge or its export pipeline dropped.",
        )
        # Cleaned histogram attribute dicts by key, built once (bounded; never mutated after).
        self._agent_attrs: dict[tuple[Any, ...], Attributes] = {}
        self._chat_attrs: dict[tuple[Any, ...], tuple[Attributes, Attributes, Attributes]] = {}
        self._tool_attrs: dict[tuple[Any, ...], Attributes] = {}
        self._workflow_attrs: dict[tuple[Any, ...], Attributes] = {}

    def record_span(
        self,
        data: SpanData,
        seconds: float | None,
        *,
        error_type: str | None,
        agent: str | None,
        workflow: str | None,
    ) -> None:
        """Everything one ended span records.

        Args:
            data: The span's final data.
            seconds: Its duration, when known.
            error_type: Its `error.type`, or None when it did not fail.
            agent: The agent it ran under (its own name for agent spans).
            workflow: Its trace's workflow name.
        """
        if isinstance(data, GenerationSpanData):
            key: tuple[Any, ...] = (
                data.provider,
                data.model,
                data.response_model,
                data.server_address,
                data.server_port,
                agent,
            )
            chat = self._chat_attrs.get(key)
            if chat is None:
                chat = _keep(self._chat_attrs, key, _chat_attributes(key))
            if seconds is not None:
                self._duration(chat[0], seconds, error_type)
            usage = data.usage
            if usage:
                self._tokens(chat, usage)
            if data.stream:
                if data.time_to_first_chunk is not None:
                    self.time_to_first_chunk.record(max(data.time_to_first_chunk, 0.0), chat[0])
                if data.time_per_output_chunk is not None:
                    self.time_per_output_chunk.record(max(data.time_per_output_chunk, 0.0), chat[0])
        elif isinstance(data, AgentSpanData):
            name = data.name
            if seconds is not None:
                key = (name, data.provider, data.model)
                attrs = self._agent_attrs.get(key)
                if attrs is None:
                    attrs = _keep(self._agent_attrs, key, _agent_attributes(key))
                self._duration(attrs, seconds, error_type)
            if data.stream_events:
                self.record_stream_events(name, data.stream_events)
            if data.run_outcome:
                self._runs.add((data.run_outcome, name, workflow))
        elif isinstance(data, FunctionSpanData):
            if seconds is not None:
                key = (data.name, agent)
                attrs = self._tool_attrs.get(key)
                if attrs is None:
                    attrs = _keep(self._tool_attrs, key, _tool_attributes(key))
                self._duration(attrs, seconds, error_type)
            self._tool_calls.add((data.name, "success" if error_type is None else "error", agent))
        elif isinstance(data, HandoffSpanData):
            self._handoffs.add((data.from_agent or "unknown", data.to_agent or "unknown"))
        elif isinstance(data, GuardrailSpanData) and data.triggered:
            self._guardrail_trips.add((data.name, data.kind))

    def record_workflow(self, workflow: str | None, seconds: float) -> None:
        """One trace's `invoke_workflow` duration."""
        key = (workflow,)
        attrs = self._workflow_attrs.get(key)
        if attrs is None:
            built: Attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW}
            _put(built, sc.GEN_AI_WORKFLOW_NAME, workflow)
            attrs = _keep(self._workflow_attrs, key, _safe(built))
        self._duration(attrs, seconds, None)

    def record_operation(
        self, attrs: Attributes, seconds: float, *, error_type: str | None = None
    ) -> None:
        """One `gen_ai.client.operation.duration` point (chat, invoke_agent, execute_tool, ...)."""
        self._duration(_safe(dict(attrs)), seconds, error_type)

    def record_usage(self, attrs: Attributes, usage: Mapping[str, int] | None) -> None:
        """Input and output token counts of one model call, when the provider reported them."""
        if not usage:
            return
        base = _safe(dict(attrs))
        self._tokens(_with_token_types(base), usage)

    def record_stream_timing(
        self, attrs: Attributes, first_chunk: float | None, per_chunk: float | None
    ) -> None:
        """Streaming latency of one model call (only called for streamed calls)."""
        if first_chunk is not None:
            self.time_to_first_chunk.record(max(first_chunk, 0.0), _safe(attrs))
        if per_chunk is not None:
            self.time_per_output_chunk.record(max(per_chunk, 0.0), _safe(attrs))

    def record_stream_events(self, agent: str, counts: Mapping[str, int]) -> None:
        """Adds an agent span's stream event counts, by "event_type:name" key."""
        self._stream_events.add_counts(counts, agent)

    def record_run(self, outcome: str, agent: str, workflow: str | None) -> None:
        """One finished run, by outcome, final agent and workflow name."""
        self._runs.add((outcome, agent, workflow))

    def record_tool_call(self, tool: str, ok: bool, agent: str | None) -> None:
        """One tool call, by tool, outcome and calling agent."""
        self._tool_calls.add((tool, "success" if ok else "error", agent))

    def record_handoff(self, from_agent: str | None, to_agent: str | None) -> None:
        """One handoff (unknown ends are reported as "unknown")."""
        self._handoffs.add((from_agent or "unknown", to_agent or "unknown"))

    def record_guardrail_trip(self, name: str, kind: str) -> None:
        """One guardrail whose tripwire fired."""
        self._guardrail_trips.add((name, kind))

    def record_dropped(self, signal: str, count: int = 1) -> None:
        """Telemetry dropped: `signal` is "spans" or "metrics"."""
        if count > 0:
            self._dropped.add((signal,), count)

    # --- internals ----------------------------------------------------------------------------

    def _duration(self, attrs: Attributes, seconds: float, error_type: str | None) -> None:
        if error_type is not None:  # rare: not cached
            attrs = {**attrs, sc.ERROR_TYPE: clean_str(error_type)}
        self.duration.record(seconds if seconds > 0.0 else 0.0, attrs)

    def _tokens(
        self, chat: tuple[Attributes, Attributes, Attributes], usage: Mapping[str, int]
    ) -> None:
        for value, attrs in (
            (usage.get("input_tokens"), chat[1]),
            (usage.get("output_tokens"), chat[2]),
        ):
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                self.token_usage.record(value, attrs)


def _chat_attributes(key: tuple[Any, ...]) -> tuple[Attributes, Attributes, Attributes]:
    """(operation attributes, with token type input, with token type output) of a model call."""
    provider, model, response_model, address, port, agent = key
    attrs: Attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT}
    _put(attrs, sc.GEN_AI_PROVIDER_NAME, provider)
    _put(attrs, sc.GEN_AI_REQUEST_MODEL, model)
    _put(attrs, sc.GEN_AI_RESPONSE_MODEL, response_model)
    _put(attrs, sc.SERVER_ADDRESS, address)
    _put(attrs, sc.SERVER_PORT, port)
    _put(attrs, sc.GEN_AI_AGENT_NAME, agent)
    return _with_token_types(_safe(attrs))


def _with_token_types(attrs: Attributes) -> tuple[Attributes, Attributes, Attributes]:
    return (
        attrs,
        {**attrs, sc.GEN_AI_TOKEN_TYPE: sc.TOKEN_TYPE_INPUT},
        {**attrs, sc.GEN_AI_TOKEN_TYPE: sc.TOKEN_TYPE_OUTPUT},
    )


def _agent_attributes(key: tuple[Any, ...]) -> Attributes:
    name, provider, model = key
    attrs: Attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT, sc.GEN_AI_AGENT_NAME: name}
    _put(attrs, sc.GEN_AI_PROVIDER_NAME, provider)
    _put(attrs, sc.GEN_AI_REQUEST_MODEL, model)
    return _safe(attrs)


def _tool_attributes(key: tuple[Any, ...]) -> Attributes:
    tool, agent = key
    attrs: Attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL, sc.GEN_AI_TOOL_NAME: tool}
    _put(attrs, sc.GEN_AI_AGENT_NAME, agent)
    return _safe(attrs)


def _split_event(raw: tuple[Any, ...]) -> tuple[Any, ...]:
    event_type, _, name = str(raw[0]).partition(":")
    return (event_type, name, raw[1])


def _keep(cache: dict[tuple[Any, ...], _T], key: tuple[Any, ...], value: _T) -> _T:
    if len(cache) < _MAX_CACHED:
        cache[key] = value
    return value


def _put(attrs: Attributes, key: str, value: AttributeValue | None) -> None:
    if value is not None:
        attrs[key] = value


def _safe(attrs: Attributes) -> Attributes:
    """Names can carry lone surrogates; one bad string must not fail a whole metrics export."""
    for key, value in attrs.items():
        if isinstance(value, str):
            attrs[key] = clean_str(value)
    return attrs


def get_metrics(meter_provider: MeterProvider | None = None) -> BridgeMetrics:
    """The instruments of a meter provider (the global one by default), created on first use."""
    provider: Any = meter_provider if meter_provider is not None else get_meter_provider()
    try:
        found = _by_provider.get(provider)
    except TypeError:
        entry = _by_id.get(id(provider))
        found = entry[1] if entry is not None and entry[0] is provider else None
    if found is not None:
        return found
    with _lock:
        try:
            found = _by_provider.get(provider)
            if found is None:
                found = _by_provider[provider] = BridgeMetrics(provider)
        except TypeError:
            entry = _by_id.get(id(provider))
            if entry is None or entry[0] is not provider:
                entry = _by_id[id(provider)] = (provider, BridgeMetrics(provider))
            found = entry[1]
    return found


_VERSION: list[str] = []


def scope_version() -> str:
    """otel-agents' version, for the instrumentation scope of our spans and metrics."""
    if not _VERSION:
        try:
            from importlib.metadata import version

            _VERSION.append(version("otel-agents"))
        except Exception:
            _VERSION.append("")
    return _VERSION[0]
