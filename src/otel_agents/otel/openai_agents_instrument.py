"""`instrument_openai_agents()`: the upstream OpenAI Agents SDK's traces into OpenTelemetry.

For apps that run agents with the SDK itself (`openai-agents`, import `agents`), two lines:

```python
from otel_agents.otel import instrument_openai_agents
instrument_openai_agents()
```

It registers an `OTelTracingProcessor` with the SDK's tracing (`openai_agents.py` adapts the SDK's
objects), so SDK runs produce the same spans and metrics as otel-agents' own runner.

The SDK starts with a processor that exports traces to OpenAI's backend (and logs an error for
every batch when `OPENAI_API_KEY` is unset). By default that exporter is replaced: the other
processors the app registered stay, ours is added after them. Either way one INFO line says what
was done, never silently. `handle.uninstrument()` removes ours and puts back what was removed,
keeping processors the app added meanwhile.

`agents` is imported only when `instrument_openai_agents()` is called: otel-agents itself does
not need the `openai-agents` extra.
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading
from types import TracebackType
from typing import Any

from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from ..exceptions import UserError
from .capture import CaptureMode
from .processor import OTelTracingProcessor
from .setup import auto_configure, sdk_disabled

logger = logging.getLogger("otel_agents.otel")

_lock = threading.Lock()
_active: list[OpenAIAgentsHandle] = []  # the handle in effect, at most one


class OpenAIAgentsHandle:
    """What `instrument_openai_agents()` did, and how to undo it.

    Attributes:
        processor: Our processor registered with the SDK (None when nothing was registered,
            e.g. `OTEL_SDK_DISABLED=true`).
        removed: The SDK processors taken out (the OpenAI exporter), put back by `uninstrument`.
    """

    def __init__(self, processor: OTelTracingProcessor | None, removed: tuple[Any, ...]) -> None:
        self.processor = processor
        self.removed = removed
        self._done = processor is None

    @property
    def active(self) -> bool:
        """Whether our processor is still registered with the SDK."""
        return not self._done

    def uninstrument(self) -> None:
        """Removes our processor and restores the removed ones; a second call does nothing."""
        with _lock:
            if self._done:
                return
            self._done = True
            if self in _active:
                _active.remove(self)
            from agents import tracing as sdk_tracing

            current = _registered(sdk_tracing.get_trace_provider())
            if current is None:
                logger.warning(
                    "otel-agents: the SDK's trace provider does not list its processors; "
                    "could not remove the OpenTelemetry processor"
                )
                return
            kept = [p for p in current if p is not self.processor]
            sdk_tracing.set_trace_processors([*self.removed, *kept])
            restored = " and restored the OpenAI trace exporter" if self.removed else ""
            logger.info(
                "otel-agents: OpenAI Agents SDK traces no longer go to OpenTelemetry%s", restored
            )

    def __enter__(self) -> OpenAIAgentsHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.uninstrument()


def openai_agents_installed() -> bool:
    """Whether the `openai-agents` distribution is installed (cheap: no import of `agents`)."""
    try:
        importlib.metadata.distribution("openai-agents")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def instrument_openai_agents(
    replace_openai_exporter: bool = True,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    capture_content: CaptureMode | bool | str | None = None,
) -> OpenAIAgentsHandle:
    """Sends the OpenAI Agents SDK's traces to OpenTelemetry as GenAI spans and metrics.

    Args:
        replace_openai_exporter: Remove the SDK's exporter to OpenAI's trace backend (default);
            False keeps it, so traces go to both.
        tracer_provider: Where spans go; else the global provider, set up from the `OTEL_*`
            variables when the app installed none (as for otel-agents' own runner).
        meter_provider: Where metrics go; else the global provider.
        capture_content: Content capture (see `OTelTracingProcessor`); None reads
            `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (default: no content).

    Returns:
        A handle whose `uninstrument()` undoes this. A second call while instrumented returns
        the same handle.

    Raises:
        UserError: The OpenAI Agents SDK is not installed.
    """
    try:
        from agents import tracing as sdk_tracing
    except ImportError as error:
        raise UserError(
            "instrument_openai_agents() needs the OpenAI Agents SDK: "
            "pip install 'otel-agents[openai-agents]'"
        ) from error
    with _lock:
        if _active:
            logger.info("otel-agents: the OpenAI Agents SDK is already instrumented; unchanged")
            return _active[0]
        explicit = tracer_provider is not None or meter_provider is not None
        if not explicit and sdk_disabled():
            logger.info(
                "otel-agents: OTEL_SDK_DISABLED is true; OpenAI Agents SDK traces not instrumented"
            )
            return OpenAIAgentsHandle(None, ())
        if not explicit:
            auto_configure()  # the OTEL_* variables, when the app installed no providers
        processor = OTelTracingProcessor(tracer_provider, meter_provider, capture_content)
        registered: Any = processor  # duck-typed: the SDK's TracingProcessor has the same methods
        current = _registered(sdk_tracing.get_trace_provider())
        removed: tuple[Any, ...] = ()
        if current is None:
            sdk_tracing.add_trace_processor(registered)
            message = "added (the SDK's trace provider does not list its processors: any "
            message += "OpenAI trace exporter is kept)"
        elif replace_openai_exporter:
            removed = tuple(p for p in current if _is_openai_exporter(p))
            kept = [p for p in current if not _is_openai_exporter(p)]
            sdk_tracing.set_trace_processors([*kept, registered])
            message = (
                "replaced the SDK's OpenAI trace exporter (pass replace_openai_exporter=False "
                "to keep it)"
                if removed
                else "added (no OpenAI trace exporter was registered)"
            )
        else:
            sdk_tracing.add_trace_processor(registered)
            exporter = any(_is_openai_exporter(p) for p in current)
            message = (
                "added; the SDK's OpenAI trace exporter is kept and still sends traces to "
                "OpenAI (it needs OPENAI_API_KEY)"
                if exporter
                else "added (no OpenAI trace exporter was registered)"
            )
        logger.info("otel-agents: OpenAI Agents SDK traces now go to OpenTelemetry: %s", message)
        handle = OpenAIAgentsHandle(processor, removed)
        _active.append(handle)
        return handle


def _registered(provider: Any) -> tuple[Any, ...] | None:
    """The SDK provider's processors, or None when it does not expose them.

    The SDK has no public getter; its default provider keeps them in a tuple on its
    multi-processor (openai-agents 0.2 to 0.24).
    """
    multi = getattr(provider, "_multi_processor", None)
    processors = getattr(multi, "_processors", None)
    return tuple(processors) if isinstance(processors, (tuple, list)) else None


def _is_openai_exporter(processor: Any) -> bool:
    """Whether `processor` exports to OpenAI's trace backend (the SDK's default processor)."""
    from agents.tracing.processors import BackendSpanExporter, BatchTraceProcessor

    return isinstance(processor, BatchTraceProcessor) and isinstance(
        getattr(processor, "_exporter", None), BackendSpanExporter
    )
