"""The bridge's metric instruments, created once per meter provider, and what each span records.

Histograms follow the GenAI conventions of the processor's profile (`profiles.py`: names, units,
attributes and the spec's advisory bucket boundaries, passed as
`explicit_bucket_boundaries_advisory` so any SDK pipeline gets useful buckets without a View):
per model call (duration, tokens, time to first chunk, one time-per-output-chunk point per chunk
after the first), per agent invocation (duration, model calls, tool calls), per tool call and
per workflow. Counters are ours (`otel_agents.*`) and count what the conventions do not
cover: stream events by type and name, runs by outcome, tool calls by outcome, handoffs, guardrail
trips, and telemetry the bridge or its export pipeline had to drop.

Cost: an SDK instrument call costs 6-11 us (attribute validation, hashing, aggregation, exemplar
sampling). The counters make none on the hot path: each is a running total per attribute set
(`totals.py`) published by an `ObservableCounter` callback when a reader collects, with the same
names, units and attributes as cumulative monotonic sums (counters carry no exemplars). The
histograms stay synchronous SDK measurements, so their exemplars link metrics to traces; their
attribute dicts are built and cleaned once per distinct key and reused, which lets
`histograms.py` resolve the SDK's aggregations once per dict rather than once per record.

Cardinality stays bounded: attributes are operation, provider, model, agent, tool, workflow and
guardrail names, outcomes and error types; never ids or content (and a counter past
`totals.MAX_SERIES` attribute sets counts new ones in an overflow series). Every method is
called after the span has ended, once per span; stream events are added once per (type, name)
key per agent span, never once per token.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from opentelemetry.metrics import Histogram, MeterProvider, get_meter_provider
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
from .capture import metric_value
from .histograms import record_each, record_one
from .metric_attributes import (
    agent_attributes,
    chat_attributes,
    invocation_attributes,
    safe,
    tool_attributes,
    with_token_types,
    workflow_attributes,
)
from .parenting import Entry
from .profiles import DEFAULT, Profile
from .totals import Totals

Attributes = dict[str, AttributeValue]

_MAX_CACHED = 2000  # histogram attribute dicts kept per span kind; beyond, built per call
_T = TypeVar("_T")

_lock = threading.Lock()
# Instruments per meter provider, one set per profile.
_by_provider: weakref.WeakKeyDictionary[Any, dict[str, BridgeMetrics]] = weakref.WeakKeyDictionary()
_by_id: dict[int, tuple[Any, dict[str, BridgeMetrics]]] = {}  # providers without weakrefs


class BridgeMetrics:
    """The instruments of one meter provider and profile. Use `get_metrics()`."""

    def __init__(self, meter_provider: MeterProvider, profile: Profile = DEFAULT) -> None:
        self.profile = profile
        meter = meter_provider.get_meter(sc.SCOPE_NAME, scope_version())

        def histogram(name: str | None, unit: str, text: str, buckets: Sequence[float]) -> Any:
            if name is None:
                return None
            return meter.create_histogram(
                name, unit=unit, description=text, explicit_bucket_boundaries_advisory=buckets
            )

        seconds, agent_s = sc.SECONDS_BUCKETS, sc.AGENT_SECONDS_BUCKETS
        self.duration: Histogram = histogram(
            profile.inference_duration, "s", "GenAI model call duration.", seconds
        )
        self.time_to_first_chunk: Histogram = histogram(
            profile.time_to_first_chunk, "s", "Time to the first chunk of a streamed response.",
            seconds,
        )  # fmt: skip
        self.time_per_output_chunk: Histogram = histogram(
            profile.time_per_output_chunk, "s",
            "Time between output chunks, one point per chunk after the first.", seconds,
        )  # fmt: skip
        self.token_usage: Histogram | None = histogram(
            profile.token_usage, "{token}", "Number of input and output tokens used.",
            sc.TOKEN_BUCKETS,
        )  # fmt: skip
        self.token_counters = tuple(
            (key, meter.create_counter(name, unit="{token}", description=f"Tokens: {key}."))
            for key, name in profile.token_counters
        )
        self.token_histograms = tuple(
            (key, histogram(name, "{token}", f"Tokens per model call: {key}.", sc.TOKEN_BUCKETS))
            for key, name in profile.token_histograms
        )
        self.agent_duration: Histogram | None = histogram(
            profile.agent_duration, "s", "Duration of an in-process agent invocation.", agent_s
        )
        self.workflow_duration: Histogram | None = histogram(
            profile.workflow_duration, "s", "Duration of a workflow execution.",
            sc.WORKFLOW_SECONDS_BUCKETS,
        )  # fmt: skip
        self.invocation_duration: Histogram | None = histogram(
            profile.invocation_duration, "s", "Duration of an invocation.", agent_s
        )
        self.inference_calls: Histogram = histogram(
            sc.METRIC_INVOKE_AGENT_INFERENCE_CALLS, "{inference_call}",
            "Model calls an agent invocation made.", sc.COUNT_BUCKETS,
        )  # fmt: skip
        self.agent_tool_calls: Histogram = histogram(
            sc.METRIC_INVOKE_AGENT_TOOL_CALLS, "{tool_call}",
            "Tool calls an agent invocation made.", sc.COUNT_BUCKETS,
        )  # fmt: skip
        self.tool_duration: Histogram = histogram(
            sc.METRIC_EXECUTE_TOOL_DURATION, "s", "Duration of a tool execution.", seconds
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

        def observed(name: str, totals: Totals, unit: str, description: str) -> Any:
            return meter.create_observable_counter(
                name, [totals.observe], unit=unit, description=description
            )

        self.stream_events = observed(
            sc.METRIC_STREAM_EVENTS, self._stream_events, "{event}",
            "Stream events emitted to callers.",
        )  # fmt: skip
        self.runs = observed(sc.METRIC_RUNS, self._runs, "{run}", "Agent runs, by outcome.")
        self.tool_calls = observed(
            sc.METRIC_TOOL_CALLS, self._tool_calls, "{call}", "Tool calls, by tool and outcome."
        )
        self.handoffs = observed(
            sc.METRIC_HANDOFFS, self._handoffs, "{handoff}", "Handoffs between agents."
        )
        self.guardrail_trips = observed(
            sc.METRIC_GUARDRAIL_TRIPS, self._guardrail_trips, "{trip}",
            "Guardrail tripwires fired.",
        )  # fmt: skip
        self.dropped = observed(
            sc.METRIC_TELEMETRY_DROPPED, self._dropped, "{item}",
            "Spans, log records or metric points the bridge or its export pipeline dropped.",
        )  # fmt: skip
        # Cleaned attribute dicts by key, built once (bounded; never mutated after).
        self._chat_attrs: dict[tuple[Any, ...], tuple[Attributes, Attributes, Attributes]] = {}
        self._attrs: dict[tuple[Any, ...], Attributes] = {}

    def record_span(
        self, data: SpanData, seconds: float | None, error_type: str | None, entry: Entry
    ) -> None:
        """Everything one ended span records.

        Args:
            data: The span's final data.
            seconds: Its duration, when known.
            error_type: Its `error.type`, or None when it did not fail.
            entry: Its bridge entry: the agent it ran under (its own name for agent spans),
                its trace's workflow, whether it is nested in another invocation, and (agents)
                its model and tool call counts.
        """
        agent = entry.agent
        if isinstance(data, GenerationSpanData):
            key: tuple[Any, ...] = (
                data.provider, data.model, data.response_model,
                data.server_address, data.server_port,
            )  # fmt: skip
            chat = self._chat_attrs.get(key)
            if chat is None:
                chat = _keep(self._chat_attrs, key, chat_attributes(key))
            if seconds is not None:
                _record(self.duration, seconds, chat[0], error_type)
            usage = data.usage
            if usage:
                self._tokens(chat, usage, key)
            if data.stream:
                if data.time_to_first_chunk is not None:
                    first = max(data.time_to_first_chunk, 0.0)
                    record_one(self.time_to_first_chunk, first, chat[0])
                gaps = data.output_chunk_gaps
                if gaps:
                    if min(gaps) < 0.0:
                        gaps = [g if g > 0.0 else 0.0 for g in gaps]
                    record_each(self.time_per_output_chunk, gaps, chat[0])
        elif isinstance(data, AgentSpanData):
            name, model = data.name, data.model
            attrs = self._cached(("agent", name, model), lambda: agent_attributes(name, model))
            if seconds is not None:
                if self.agent_duration is not None:
                    _record(self.agent_duration, seconds, attrs, error_type)
                self.record_invocation(
                    sc.OP_INVOKE_AGENT, seconds, error_type, nested=entry.nested, agent=name,
                    model=model,
                )  # fmt: skip
            calls = self._cached(("calls", name), lambda: agent_attributes(name, None))
            record_one(self.inference_calls, entry.inference_calls, calls)
            record_one(self.agent_tool_calls, entry.tool_calls, calls)
            if data.stream_events:
                self.record_stream_events(name, data.stream_events)
            if data.run_outcome:
                self._runs.add((data.run_outcome, name, entry.workflow))
        elif isinstance(data, FunctionSpanData):
            tool, kind = data.name, data.tool_type
            if seconds is not None:
                attrs = self._cached(
                    ("tool", tool, kind, agent), lambda: tool_attributes(tool, kind, agent)
                )
                _record(self.tool_duration, seconds, attrs, error_type)
            self._tool_calls.add((tool, "success" if error_type is None else "error", agent))
        elif isinstance(data, HandoffSpanData):
            self._handoffs.add((data.from_agent or "unknown", data.to_agent or "unknown"))
        elif isinstance(data, GuardrailSpanData) and data.triggered:
            self._guardrail_trips.add((data.name, data.kind))

    def record_workflow(
        self, workflow: str | None, seconds: float, error_type: str | None = None
    ) -> None:
        """One workflow's duration (a trace's `invoke_workflow` span)."""
        if self.workflow_duration is not None:
            attrs = self._cached(("workflow", workflow), lambda: workflow_attributes(workflow))
            _record(self.workflow_duration, seconds, attrs, error_type)
        self.record_invocation(
            sc.OP_INVOKE_WORKFLOW, seconds, error_type, nested=False, workflow=workflow
        )

    def record_invocation(
        self,
        operation: str,
        seconds: float,
        error_type: str | None,
        *,
        nested: bool,
        agent: str | None = None,
        workflow: str | None = None,
        model: str | None = None,
    ) -> None:
        """One `gen_ai.invocation.duration` point (newest profile; a no-op in the default)."""
        if self.invocation_duration is None:
            return
        key = ("invocation", operation, nested, agent, workflow, model)
        attrs = self._cached(
            key, lambda: invocation_attributes(operation, nested, agent, workflow, model)
        )
        _record(self.invocation_duration, seconds, attrs, error_type)

    def record_operation(
        self, attrs: Attributes, seconds: float, *, error_type: str | None = None
    ) -> None:
        """One model call duration point (the profile's inference duration histogram)."""
        _record(self.duration, seconds, safe(dict(attrs)), error_type)

    def record_usage(self, attrs: Attributes, usage: Mapping[str, int] | None) -> None:
        """Token counts of one model call, when the provider reported them."""
        if usage:
            self._tokens(with_token_types(safe(dict(attrs))), usage)

    def record_stream_timing(
        self, attrs: Attributes, first_chunk: float | None, gaps: float | Sequence[float] = ()
    ) -> None:
        """Streaming latency of one model call: time to first chunk, then each later gap."""
        cleaned = safe(dict(attrs))
        if isinstance(gaps, (int, float)):
            gaps = (gaps,)
        if first_chunk is not None:
            self.time_to_first_chunk.record(max(first_chunk, 0.0), cleaned)
        if gaps:
            record_each(self.time_per_output_chunk, [max(gap, 0.0) for gap in gaps], cleaned)

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
        """Telemetry dropped: `signal` is "spans", "logs" or "metrics"."""
        if count > 0:
            self._dropped.add((signal,), count)

    # --- internals ----------------------------------------------------------------------------

    def _cached(self, key: tuple[Any, ...], build: Callable[[], Attributes]) -> Attributes:
        attrs = self._attrs.get(key)
        if attrs is None:
            attrs = _keep(self._attrs, key, build())
        return attrs

    def _tokens(
        self, chat: tuple[Attributes, ...], usage: Mapping[str, int], key: Any = None
    ) -> None:
        histogram = self.token_usage
        if histogram is not None:
            for value, attrs in (
                (usage.get("input_tokens"), chat[1]),
                (usage.get("output_tokens"), chat[2]),
            ):
                if _count(value):
                    record_one(histogram, value, attrs)  # type: ignore[arg-type]
        if self.token_counters:
            # Providers report no modality breakdown here: "unknown", as #374 says.
            def modal() -> Attributes:
                return {**chat[0], sc.GEN_AI_TOKEN_MODALITY: sc.TOKEN_MODALITY_UNKNOWN}

            with_modality = modal() if key is None else self._cached(("modality", key), modal)
            for name, counter in self.token_counters:
                value = usage.get(name)
                if _count(value) and value:
                    record_one(counter, value, with_modality)
        for name, per_call in self.token_histograms:
            value = usage.get(name)
            if _count(value):
                record_one(per_call, value, chat[0])  # type: ignore[arg-type]


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _record(
    histogram: Histogram, seconds: float, attrs: Attributes, error_type: str | None
) -> None:
    if error_type is not None:  # rare: not cached
        histogram.record(max(seconds, 0.0), {**attrs, sc.ERROR_TYPE: metric_value(error_type)})
    else:
        record_one(histogram, seconds if seconds > 0.0 else 0.0, attrs)


def _split_event(raw: tuple[Any, ...]) -> tuple[Any, ...]:
    event_type, _, name = str(raw[0]).partition(":")
    return (event_type, name, raw[1])


def _keep(cache: dict[tuple[Any, ...], _T], key: tuple[Any, ...], value: _T) -> _T:
    if len(cache) < _MAX_CACHED:
        cache[key] = value
    return value


def get_metrics(
    meter_provider: MeterProvider | None = None, profile: Profile = DEFAULT
) -> BridgeMetrics:
    """The instruments of a meter provider (the global one by default) for a profile, created on
    first use."""
    provider: Any = meter_provider if meter_provider is not None else get_meter_provider()
    try:
        sets = _by_provider.get(provider)
    except TypeError:
        entry = _by_id.get(id(provider))
        sets = entry[1] if entry is not None and entry[0] is provider else None
    found = sets.get(profile.name) if sets is not None else None
    if found is not None:
        return found
    with _lock:
        try:
            sets = _by_provider.get(provider)
            if sets is None:
                sets = _by_provider[provider] = {}
        except TypeError:
            entry = _by_id.get(id(provider))
            if entry is None or entry[0] is not provider:
                entry = _by_id[id(provider)] = (provider, {})
            sets = entry[1]
        found = sets.get(profile.name)
        if found is None:
            found = sets[profile.name] = BridgeMetrics(provider, profile)
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
