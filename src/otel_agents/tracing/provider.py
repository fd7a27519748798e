"""The process-wide trace provider: registered processors, the disabled switch, and ids.

The global provider is built lazily on first use. It reads `OTEL_AGENTS_TRACING_DISABLED` once,
registers an atexit hook that flushes and shuts down the processors, and starts with a default
processor, built on first need by `otel_agents.otel.default_processor()` (the OpenTelemetry
bridge) and imported only then, so a process with tracing disabled never imports OpenTelemetry.

Ids come from a private `random.Random` seeded from the OS (reseeded in forked children), so a
user's `random.seed(...)` cannot make two processes emit the same trace ids.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import random
import threading
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .processor import MultiProcessor, TracingProcessor

logger = logging.getLogger("otel_agents.tracing")

DISABLED_ENV = "OTEL_AGENTS_TRACING_DISABLED"
"""Set to true/1/yes to disable tracing for the whole process (false/0/no or unset: enabled)."""
SDK_DISABLED_ENV = "OPENAI_AGENTS_DISABLE_TRACING"
"""The OpenAI Agents SDK's switch, honoured too (true/1 disables), so its users' settings hold."""

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no", ""})

_rng = random.Random()
if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_rng.seed)
_getrandbits = _rng.getrandbits


def new_trace_id() -> str:
    """A fresh trace id: "trace_" + 32 lowercase hex digits, never all zeros."""
    return f"trace_{_getrandbits(128) or 1:032x}"


def new_span_id() -> str:
    """A fresh span id: "span_" + 16 lowercase hex digits, never all zeros."""
    return f"span_{_getrandbits(64) or 1:016x}"


def disabled_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Read `OTEL_AGENTS_TRACING_DISABLED`; an invalid value warns once and leaves tracing on.

    The SDK's `OPENAI_AGENTS_DISABLE_TRACING=true` (or 1) disables tracing as well.
    """
    env = os.environ if environ is None else environ
    if env.get(SDK_DISABLED_ENV, "").strip().lower() in ("true", "1"):
        return True
    raw = env.get(DISABLED_ENV, "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value not in _FALSE:
        logger.warning(
            "Ignoring %s=%r: use true, 1 or yes to disable tracing, false, 0 or no to keep it on",
            DISABLED_ENV,
            raw,
        )
    return False


def _build_default_processors() -> list[TracingProcessor]:
    # Imported here: otel/ imports OpenTelemetry, which only a process that traces should pay for.
    try:
        factory = importlib.import_module("otel_agents.otel").default_processor
    except (ImportError, AttributeError):
        logger.debug("No default tracing processor: otel_agents.otel.default_processor missing")
        return []
    except Exception as error:
        # The OpenTelemetry SDK reads some OTEL_* variables when imported and raises on a bad
        # value (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=many, OTEL_PROPAGATORS=typo): the run must go
        # on without export, with the SDK's message (it names the variable or the value).
        logger.warning(
            "otel-agents: the OpenTelemetry bridge could not be loaded (%s: %s); runs are traced "
            "but not exported",
            type(error).__name__,
            error,
        )
        return []
    try:
        processor = factory()
    except Exception:
        logger.warning("Could not build the default tracing processor", exc_info=True)
        return []
    return [] if processor is None else [processor]


class ProviderState(NamedTuple):
    """A snapshot of a provider's settings, to put back later (tests, temporary overrides)."""

    processors: tuple[TracingProcessor, ...]
    defaults_pending: bool
    disabled: bool


class TraceProvider:
    """Holds the processors every trace and span reports to, and whether tracing is on.

    Attributes:
        processor: The fan-out every trace and span calls (its `processors` tuple is the list).
        disabled: When True, `trace()` and the span factories return no-op objects.
    """

    def __init__(self, disabled: bool | None = None, default_processors: bool = True) -> None:
        """Create a provider.

        Args:
            disabled: Start disabled or not; None reads `OTEL_AGENTS_TRACING_DISABLED`.
            default_processors: Install the default processor on first use.
        """
        self.processor = MultiProcessor()
        self.disabled = disabled_from_env() if disabled is None else disabled
        self._defaults_pending = default_processors
        self._lock = threading.Lock()
        self.shut_down = False

    @property
    def processors(self) -> tuple[TracingProcessor, ...]:
        """The registered processors, in call order (building the default one first if due)."""
        self.ensure_defaults()
        return self.processor.processors

    def ensure_defaults(self) -> None:
        """Install the default processor if it has not been yet (cheap after the first call)."""
        if not self._defaults_pending:
            return
        with self._lock:
            if not self._defaults_pending:
                return
            defaults = _build_default_processors()
            # Processors added meanwhile by another thread go after the defaults.
            self.processor.set([*defaults, *self.processor.processors])
            self._defaults_pending = False

    def add_processor(self, processor: TracingProcessor) -> None:
        """Add a processor after the existing ones (the default one included)."""
        self.ensure_defaults()
        self.processor.add(processor)

    def set_processors(self, processors: Iterable[TracingProcessor]) -> None:
        """Replace every processor, the default one included."""
        with self._lock:
            self._defaults_pending = False
            self.processor.set(processors)

    def set_disabled(self, disabled: bool) -> None:
        """Turn tracing off (True) or on (False) for traces created from now on."""
        self.disabled = disabled

    def snapshot(self) -> ProviderState:
        """The current processors and switches, for `restore`; does not build the defaults."""
        with self._lock:
            return ProviderState(self.processor.processors, self._defaults_pending, self.disabled)

    def restore(self, state: ProviderState) -> None:
        """Put back what `snapshot` saved."""
        with self._lock:
            self.processor.set(state.processors)
            self._defaults_pending = state.defaults_pending
            self.disabled = state.disabled

    def force_flush(self) -> None:
        """Ask every processor to export what it buffered (errors are logged, never raised)."""
        self.processor.force_flush()

    def shutdown(self) -> None:
        """Flush, then shut every processor down (errors are logged, never raised)."""
        self.shut_down = True
        self.processor.force_flush()
        self.processor.shutdown()


_provider: TraceProvider | None = None
_provider_lock = threading.Lock()


def get_trace_provider() -> TraceProvider:
    """The global provider, built on first call (which also registers its atexit flush)."""
    provider = _provider
    if provider is None:
        provider = _build_global_provider()
    return provider


def _build_global_provider() -> TraceProvider:
    global _provider
    with _provider_lock:
        if _provider is None:
            _provider = TraceProvider()
            atexit.register(_shutdown_at_exit)
        return _provider


def _shutdown_at_exit() -> None:
    # Skipped when already done (the CLI's or SIGTERM's delivery): a second flush would wait on
    # a dead collector again, past the one shutdown deadline.
    if _provider is not None and not _provider.shut_down:
        _provider.shutdown()


def set_trace_provider(provider: TraceProvider) -> TraceProvider | None:
    """Replace the global provider (tests, embedding); returns the previous one, if built."""
    global _provider
    with _provider_lock:
        previous, _provider = _provider, provider
        if previous is None:
            atexit.register(_shutdown_at_exit)
    return previous


def add_trace_processor(processor: TracingProcessor) -> None:
    """Send traces to `processor` too: it is called after the processors already registered."""
    get_trace_provider().add_processor(processor)


def set_trace_processors(processors: Iterable[TracingProcessor]) -> None:
    """Send traces only to `processors`, replacing every registered one, the default included."""
    get_trace_provider().set_processors(processors)


def set_tracing_disabled(disabled: bool) -> None:
    """Disable (True) or re-enable (False) tracing for the whole process."""
    get_trace_provider().set_disabled(disabled)


def flush_traces() -> None:
    """Make every processor export what it has buffered, e.g. before a short script exits."""
    get_trace_provider().force_flush()
