"""Tracing: traces, spans, the processors they report to, and the built-in processors.

Read in this order: `traces.py` and `spans.py` (what a trace and a span are), `create.py` (the
factories), `processor.py` (the contract processors follow), `provider.py` (the global registry
and the disabled switch), `processors.py` (console and JSONL). The OpenTelemetry bridge lives in
`otel_agents.otel` and is just another processor; nothing here imports OpenTelemetry.
"""

from __future__ import annotations

from .context import get_current_span, get_current_trace
from .create import (
    agent_span,
    create_span,
    custom_span,
    function_span,
    generation_span,
    guardrail_span,
    handoff_span,
    trace,
)
from .processor import MultiProcessor, TracingProcessor
from .processors import ConsoleSpanProcessor, JsonlFileProcessor
from .provider import (
    DISABLED_ENV,
    ProviderState,
    TraceProvider,
    add_trace_processor,
    flush_traces,
    get_trace_provider,
    set_trace_processors,
    set_trace_provider,
    set_tracing_disabled,
)
from .provider import new_span_id as gen_span_id
from .provider import new_trace_id as gen_trace_id
from .span_data import (
    AgentSpanData,
    CustomSpanData,
    FunctionSpanData,
    GenerationSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    SpanData,
)
from .spans import NoOpSpan, Span, SpanError
from .traces import NoOpTrace, Trace

__all__ = [
    "DISABLED_ENV",
    "AgentSpanData",
    "ConsoleSpanProcessor",
    "CustomSpanData",
    "FunctionSpanData",
    "GenerationSpanData",
    "GuardrailSpanData",
    "HandoffSpanData",
    "JsonlFileProcessor",
    "MultiProcessor",
    "NoOpSpan",
    "NoOpTrace",
    "ProviderState",
    "Span",
    "SpanData",
    "SpanError",
    "Trace",
    "TraceProvider",
    "TracingProcessor",
    "add_trace_processor",
    "agent_span",
    "create_span",
    "custom_span",
    "flush_traces",
    "function_span",
    "gen_span_id",
    "gen_trace_id",
    "generation_span",
    "get_current_span",
    "get_current_trace",
    "get_trace_provider",
    "guardrail_span",
    "handoff_span",
    "set_trace_processors",
    "set_trace_provider",
    "set_tracing_disabled",
    "trace",
]
