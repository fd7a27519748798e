"""The bridge's metric instruments, created once per meter provider, and what each span records.

Histograms follow the GenAI conventions (names, units, attributes and the spec's advisory bucket
boundaries, passed as `explicit_bucket_boundaries_advisory` so any SDK pipeline gets useful
buckets without a View). Counters are ours (`otel_agents.*`) and count what the conventions do not
cover: stream events by type and name, runs by outcome, tool calls by outcome, handoffs, guardrail
trips, and telemetry the bridge or its export pipeline had to drop.

Cardinality stays bounded: attributes are operation, provider, model, agent, tool, workflow and
guardrail names, outcomes and error types; never ids or content. Every method is called after the
span has ended, once per span; stream events are added once per (type, name) key per agent span,
never once per token.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any

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

Attributes = dict[str, AttributeValue]

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
        self.stream_events = meter.create_counter(
            sc.METRIC_STREAM_EVENTS, unit="{event}", description="Stream events emitted to callers."
        )
        self.runs = meter.create_counter(
            sc.METRIC_RUNS, unit="{run}", description="Agent runs, by outcome."
        )
        self.tool_calls = meter.create_counter(
            sc.METRIC_TOOL_CALLS, unit="{call}", description="Tool calls, by tool and outcome."
        )
        self.handoffs = meter.create_counter(
            sc.METRIC_HANDOFFS, unit="{handoff}", description="Handoffs between agents."
        )
        self.guardrail_trips = meter.create_counter(
            sc.METRIC_GUARDRAIL_TRIPS, unit="{trip}", description="Guardrail tripwires fired."
        )
        self.dropped = meter.create_counter(
            sc.METRIC_TELEMETRY_DROPPED,
            unit="{item}",
            description="Spans or metric points the bridge or its export pipeline dropped.",
        )

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
        if isinstance(data, AgentSpanData):
            attrs: Attributes = {
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
                sc.GEN_AI_AGENT_NAME: data.name,
            }
            _put(attrs, sc.GEN_AI_PROVIDER_NAME, data.provider)
            _put(attrs, sc.GEN_AI_REQUEST_MODEL, data.model)
            if seconds is not None:
                self.record_operation(attrs, seconds, error_type=error_type)
            if data.stream_events:
                self.record_stream_events(data.name, data.stream_events)
            if data.run_outcome:
                self.record_run(data.run_outcome, data.name, workflow)
        elif isinstance(data, GenerationSpanData):
            attrs = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT}
            _put(attrs, sc.GEN_AI_PROVIDER_NAME, data.provider)
            _put(attrs, sc.GEN_AI_REQUEST_MODEL, data.model)
            _put(attrs, sc.GEN_AI_RESPONSE_MODEL, data.response_model)
            _put(attrs, sc.SERVER_ADDRESS, data.server_address)
            _put(attrs, sc.SERVER_PORT, data.server_port)
            _put(attrs, sc.GEN_AI_AGENT_NAME, agent)
            if seconds is not None:
                self.record_operation(attrs, seconds, error_type=error_type)
            self.record_usage(attrs, data.usage)
            if data.stream:
                self.record_stream_timing(
                    attrs, data.time_to_first_chunk, data.time_per_output_chunk
                )
        elif isinstance(data, FunctionSpanData):
            attrs = {sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL, sc.GEN_AI_TOOL_NAME: data.name}
            _put(attrs, sc.GEN_AI_AGENT_NAME, agent)
            if seconds is not None:
                self.record_operation(attrs, seconds, error_type=error_type)
            self.record_tool_call(data.name, error_type is None, agent)
        elif isinstance(data, HandoffSpanData):
            self.record_handoff(data.from_agent, data.to_agent)
        elif isinstance(data, GuardrailSpanData) and data.triggered:
            self.record_guardrail_trip(data.name, data.kind)

    def record_workflow(self, workflow: str | None, seconds: float) -> None:
        """One trace's `invoke_workflow` duration."""
        attrs: Attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW}
        _put(attrs, sc.GEN_AI_WORKFLOW_NAME, workflow)
        self.record_operation(attrs, seconds)

    def record_operation(
        self, attrs: Attributes, seconds: float, *, error_type: str | None = None
    ) -> None:
        """One `gen_ai.client.operation.duration` point (chat, invoke_agent, execute_tool, ...)."""
        if error_type is not None:
            attrs = {**attrs, sc.ERROR_TYPE: error_type}
        self.duration.record(max(seconds, 0.0), _safe(attrs))

    def record_usage(self, attrs: Attributes, usage: Mapping[str, int] | None) -> None:
        """Input and output token counts of one model call, when the provider reported them."""
        if not usage:
            return
        for key, token_type in (
            ("input_tokens", sc.TOKEN_TYPE_INPUT),
            ("output_tokens", sc.TOKEN_TYPE_OUTPUT),
        ):
            value = usage.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                self.token_usage.record(value, _safe({**attrs, sc.GEN_AI_TOKEN_TYPE: token_type}))

    def record_stream_timing(
        self, attrs: Attributes, first_chunk: float | None, per_chunk: float | None
    ) -> None:
        """Streaming latency of one model call (only called for streamed calls)."""
        if first_chunk is not None:
            self.time_to_first_chunk.record(max(first_chunk, 0.0), _safe(attrs))
        if per_chunk is not None:
            self.time_per_output_chunk.record(max(per_chunk, 0.0), _safe(attrs))

    def record_stream_events(self, agent: str, counts: Mapping[str, int]) -> None:
        """One add per "event_type:name" key of an agent span's stream event counts."""
        for key, count in counts.items():
            if count <= 0:
                continue
            event_type, _, name = key.partition(":")
            self.stream_events.add(
                count,
                _safe(
                    {
                        sc.OA_STREAM_EVENT_TYPE: event_type,
                        sc.OA_STREAM_EVENT_NAME: name,
                        sc.GEN_AI_AGENT_NAME: agent,
                    }
                ),
            )

    def record_run(self, outcome: str, agent: str, workflow: str | None) -> None:
        """One finished run, by outcome, final agent and workflow name."""
        attrs: Attributes = {sc.OA_RUN_OUTCOME: outcome, sc.GEN_AI_AGENT_NAME: agent}
        if workflow is not None:
            attrs[sc.GEN_AI_WORKFLOW_NAME] = workflow
        self.runs.add(1, _safe(attrs))

    def record_tool_call(self, tool: str, ok: bool, agent: str | None) -> None:
        """One tool call, by tool, outcome and calling agent."""
        attrs: Attributes = {
            sc.GEN_AI_TOOL_NAME: tool,
            sc.OA_TOOL_OUTCOME: "success" if ok else "error",
        }
        if agent is not None:
            attrs[sc.GEN_AI_AGENT_NAME] = agent
        self.tool_calls.add(1, _safe(attrs))

    def record_handoff(self, from_agent: str | None, to_agent: str | None) -> None:
        """One handoff (unknown ends are reported as "unknown")."""
        attrs: Attributes = {
            sc.OA_HANDOFF_FROM_AGENT: from_agent or "unknown",
            sc.OA_HANDOFF_TO_AGENT: to_agent or "unknown",
        }
        self.handoffs.add(1, _safe(attrs))

    def record_guardrail_trip(self, name: str, kind: str) -> None:
        """One guardrail whose tripwire fired."""
        self.guardrail_trips.add(1, _safe({sc.OA_GUARDRAIL_NAME: name, sc.OA_GUARDRAIL_KIND: kind}))

    def record_dropped(self, signal: str, count: int = 1) -> None:
        """Telemetry dropped: `signal` is "spans" or "metrics"."""
        if count > 0:
            self.dropped.add(count, {sc.OA_SIGNAL: signal})


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
