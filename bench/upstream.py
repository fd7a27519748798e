"""Switches for the upstream OpenAI Agents SDK's tracing: off, no processor, OpenInference, ours.

The SDK's default processor (export to OpenAI's backend) is removed first: the benchmark never
leaves the machine. OpenInference is installed and removed with its own instrumentor around each
block, as a user would have it. Our adapter for the SDK (`agents.add_trace_processor` with our
bridge) is looked up by name; until it exists the comparison is reported as pending.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider

# Where the adapter is expected; the first that exists is used.
ADAPTER_CANDIDATES = (
    ("otel_agents.otel", "instrument_openai_agents"),
    ("otel_agents.otel.openai_agents", "instrument_openai_agents"),
    ("otel_agents.otel.upstream", "instrument_openai_agents"),
    ("otel_agents.otel.agents_sdk", "instrument_openai_agents"),
)


def reset() -> None:
    """No processor at all (in particular not the SDK's default exporter to OpenAI)."""
    import agents

    agents.set_trace_processors([])


def use(mode: str, processor: Any = None) -> Callable[[], None]:
    """An `activate` hook: "off" (tracing disabled), "noproc", or "processor" (only `processor`)."""

    def activate() -> None:
        import agents

        agents.set_tracing_disabled(mode == "off")
        agents.set_trace_processors([processor] if processor is not None else [])

    return activate


class OpenInference:
    """OpenInference's instrumentor, instrumented for a block and removed after it."""

    def __init__(self, tracer_provider: TracerProvider) -> None:
        from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

        self.tracer_provider = tracer_provider
        self.instrumentor = OpenAIAgentsInstrumentor()

    def activate(self) -> None:
        import agents

        agents.set_tracing_disabled(False)
        agents.set_trace_processors([])
        self.instrumentor.instrument(tracer_provider=self.tracer_provider)

    def deactivate(self) -> None:
        self.instrumentor.uninstrument()
        reset()


def _registered() -> list[Any]:
    from agents.tracing import get_trace_provider

    multi = getattr(get_trace_provider(), "_multi_processor", None)
    return list(getattr(multi, "_processors", ()))


def our_adapter(
    tracer_provider: TracerProvider, meter_provider: MeterProvider
) -> tuple[Any | None, str]:
    """Our processor for the upstream SDK on these providers, or None and why not."""
    for module_name, attr in ADAPTER_CANDIDATES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        factory = getattr(module, attr, None)
        if factory is None:
            continue
        reset()
        try:
            returned = factory(tracer_provider=tracer_provider, meter_provider=meter_provider)
        except Exception as error:  # an adapter in progress: report, don't crash the benchmark
            return None, f"{module_name}.{attr} raised {type(error).__name__}: {error}"
        added = _registered()
        processor = getattr(returned, "processor", None)
        if processor is None:
            processor = returned if hasattr(returned, "on_span_end") else (added or [None])[-1]
        undo = getattr(returned, "uninstrument", None)
        if callable(undo):
            undo()  # the benchmark registers the processor itself, block by block
        reset()
        if processor is None:
            return None, f"{module_name}.{attr} registered no processor"
        return processor, f"{module_name}.{attr}"
    return None, "pending: no otel_agents.otel.instrument_openai_agents yet"
