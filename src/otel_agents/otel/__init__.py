"""The OpenTelemetry bridge: agent runs as GenAI-semconv spans and metrics in any OTel pipeline.

Read `processor.py` first (the `TracingProcessor` that owns the OTel spans), then `mapping.py`
(span data -> names and attributes, pure), `parenting.py` (trace ids and context), `metrics.py`
(with `totals.py`, the counters), `capture.py` (content opt-in), `setup.py` (OTEL_* variables ->
providers) and `semconv.py` (every name we emit). `openai_agents*.py` let the same processor
serve the upstream OpenAI Agents SDK. Only this package (and the CLI) imports `opentelemetry`.
"""

from __future__ import annotations

from . import semconv
from .capture import CaptureMode
from .instrumentor import OtelAgentsInstrumentor
from .openai_agents_instrument import instrument_openai_agents
from .processor import OTelTracingProcessor, Redactor
from .setup import configure, default_processor

__all__ = [
    "CaptureMode",
    "OTelTracingProcessor",
    "OtelAgentsInstrumentor",
    "Redactor",
    "configure",
    "default_processor",
    "instrument_openai_agents",
    "semconv",
]
