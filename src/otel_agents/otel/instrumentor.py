"""`OtelAgentsInstrumentor`: the `opentelemetry_instrumentor` entry point named `otel_agents`.

`opentelemetry-instrument python app.py` loads every registered instrumentor and calls its
`instrument()`. Ours makes sure the bridge is registered with otel-agents' tracing, on the providers
`opentelemetry-instrument` (or the environment) set up. Its configurator (`opentelemetry-distro`)
installs a tracer, a meter and a logger provider from the OTEL_* variables before instrumentors
run; the bridge then uses those globals, the LoggerProvider for its events included. Without a
configurator, `setup.py` builds all three from the same variables on first use.

The entry point has its own name: four other packages register `openai_agents`, and
`opentelemetry-instrument` would load them all. When the upstream OpenAI Agents SDK
(`openai-agents`) is installed, it instruments that SDK's runs too (`instrument_openai_agents()`,
which replaces the SDK's exporter to OpenAI's backend).

It subclasses `BaseInstrumentor` when `opentelemetry-instrumentation` is installed (it is what
provides `opentelemetry-instrument`); otherwise it is a small class with the same
`instrument()` / `uninstrument()` calls, so otel-agents does not depend on that package.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from .processor import OTelTracingProcessor


class _MinimalInstrumentor:
    """The part of `BaseInstrumentor` we rely on, for when it is not installed."""

    _is_instrumented_by_opentelemetry = False

    def instrument(self, **kwargs: Any) -> None:
        if not self._is_instrumented_by_opentelemetry:
            self._instrument(**kwargs)
            self._is_instrumented_by_opentelemetry = True

    def uninstrument(self, **kwargs: Any) -> None:
        if self._is_instrumented_by_opentelemetry:
            self._uninstrument(**kwargs)
            self._is_instrumented_by_opentelemetry = False

    def _instrument(self, **kwargs: Any) -> None:
        raise NotImplementedError

    def _uninstrument(self, **kwargs: Any) -> None:
        raise NotImplementedError


if TYPE_CHECKING:
    _Base = _MinimalInstrumentor
else:
    try:
        from opentelemetry.instrumentation.instrumentor import BaseInstrumentor as _Base
    except ImportError:
        _Base = _MinimalInstrumentor
    except Exception as error:  # its import rejected an env value, e.g. OTEL_PROPAGATORS=bogus
        logging.getLogger("otel_agents.otel").warning(
            "opentelemetry-instrumentation could not be imported (%s); otel-agents goes on "
            "without it. Fix the environment variable it names.",
            error,
        )
        _Base = _MinimalInstrumentor


class OtelAgentsInstrumentor(_Base):
    """Registers `OTelTracingProcessor` with otel-agents' tracing (once).

    `instrument(tracer_provider=..., meter_provider=..., logger_provider=...)` uses those
    providers; by default the global ones. `uninstrument()` removes every `OTelTracingProcessor`
    from the tracing provider.
    """

    def instrumentation_dependencies(self) -> Collection[str]:
        return ()

    def _instrument(self, **kwargs: Any) -> None:
        from ..tracing.provider import get_trace_provider
        from .openai_agents_instrument import instrument_openai_agents, openai_agents_installed

        if openai_agents_installed():  # the upstream SDK's runs too (openai_agents_instrument.py)
            try:
                self._openai_agents = instrument_openai_agents(
                    tracer_provider=kwargs.get("tracer_provider"),
                    meter_provider=kwargs.get("meter_provider"),
                )
            except Exception:  # a broken SDK install must not stop our own runner's telemetry
                logging.getLogger("otel_agents.otel").warning(
                    "otel-agents: could not instrument the OpenAI Agents SDK", exc_info=True
                )
        provider = get_trace_provider()
        # Reading `processors` builds the defaults, which include the bridge unless
        # OTEL_SDK_DISABLED is set or the user replaced them.
        if any(isinstance(p, OTelTracingProcessor) for p in provider.processors):
            return
        # Passed only when given, so the processor's own default (the global provider) applies.
        extra = (
            {"logger_provider": kwargs["logger_provider"]} if kwargs.get("logger_provider") else {}
        )
        provider.add_processor(
            OTelTracingProcessor(
                tracer_provider=kwargs.get("tracer_provider"),
                meter_provider=kwargs.get("meter_provider"),
                **extra,
            )
        )

    def _uninstrument(self, **kwargs: Any) -> None:
        from ..tracing.provider import get_trace_provider

        handle = vars(self).pop("_openai_agents", None)
        if handle is not None:
            handle.uninstrument()
        provider = get_trace_provider()
        kept = [p for p in provider.processors if not isinstance(p, OTelTracingProcessor)]
        provider.set_processors(kept)
