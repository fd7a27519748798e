"""Where the bridge's time goes: self time per part, measured by timing wrappers.

Sampling profiles of code this fine-grained are noisy, so this attributes time exactly instead:
the bridge's callbacks, the parts they call (mapping, attribute cleaning, context attachment,
pinned ids, metric attribute building) and the OTel SDK calls underneath (span start/end,
attribute setting, metric instruments) are wrapped for the duration of the measurement, each
wrapper subtracting the time of the wrapped calls nested in it. The wrappers are removed after;
what each nested wrapped call adds to its caller's self time is measured (`_wrapper_overhead`)
and subtracted. Objects alive at the start are frozen out of the GC's way, and each part's figure
is the median of five chunks of runs, so neither a collection nor a preemption of the process is
charged to one part.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry.sdk.metrics._internal.instrument import _Counter, _Histogram
from opentelemetry.sdk.trace import Span as SdkSpan
from opentelemetry.sdk.trace import Tracer

import otel_agents.otel.clean as clean
import otel_agents.otel.events as events
import otel_agents.otel.mapping as mapping
import otel_agents.otel.metrics as metrics
import otel_agents.otel.openai_agents as openai_agents
import otel_agents.otel.parenting as parenting
import otel_agents.otel.processor as processor
import otel_agents.tracing.processor as tracing_processor

from .otel_kit import CountingExporter, Pipeline, use_ours
from .upstream import our_adapter, reset, use
from .workload import OurWorkload, UpstreamWorkload

BRIDGE = "bridge callbacks (self)"
# (owner, attribute, label); owners are classes or modules, patched for the measurement only.
TARGETS: list[tuple[Any, str, str]] = [
    *[(processor.OTelTracingProcessor, n, BRIDGE) for n in ("on_trace_start", "on_trace_end")],
    *[(processor.OTelTracingProcessor, n, BRIDGE) for n in ("on_span_start", "on_span_end")],
    (processor.OTelTracingProcessor, "_apply_end", BRIDGE),
    (clean.Cleaner, "__call__", "bridge: attribute cleaning (redact, clean_str)"),
    (processor, "span_name", "bridge: attribute cleaning (redact, clean_str)"),
    (mapping, "workflow_start", "bridge: mapping (span data -> attributes)"),
    (mapping, "end_events", "bridge: mapping (span data -> attributes)"),
    (events.Events, "emit", "bridge: events (log records)"),
    (mapping, "span_start", "bridge: mapping (span data -> attributes)"),
    (mapping, "span_end", "bridge: mapping (span data -> attributes)"),
    (parenting.Attachments, "attach", "bridge: context attach/release"),
    (parenting.Attachments, "release", "bridge: context attach/release"),
    (parenting.Attachments, "unwind", "bridge: context attach/release"),
    (processor, "pin_trace_id", "bridge: pinned ids"),
    (processor, "pin_span_id", "bridge: pinned ids"),
    (processor, "unpin", "bridge: pinned ids"),
    (trace_api, "set_span_in_context", "OTel API: set_span_in_context"),
    (metrics.BridgeMetrics, "record_span", "bridge: metric attributes (BridgeMetrics)"),
    (openai_agents.SdkAdapter, "span", "adapter: upstream SDK spans -> views (openai_agents.py)"),
    (openai_agents.SdkAdapter, "trace", "adapter: upstream SDK spans -> views (openai_agents.py)"),
    (metrics.BridgeMetrics, "record_workflow", "bridge: metric attributes (BridgeMetrics)"),
    (Tracer, "start_span", "OTel SDK: start_span"),
    (SdkSpan, "end", "OTel SDK: span.end (+ batch processor)"),
    (SdkSpan, "set_attributes", "OTel SDK: set_attributes, update_name, add_event"),
    (SdkSpan, "update_name", "OTel SDK: set_attributes, update_name, add_event"),
    (SdkSpan, "add_event", "OTel SDK: set_attributes, update_name, add_event"),
    (_Histogram, "record", "OTel SDK: metric instruments (record/add)"),
    (_Counter, "add", "OTel SDK: metric instruments (record/add)"),
    # The bridge's records feed the SDK's aggregations directly (otel/histograms.py).
    (metrics, "record_one", "OTel SDK: metric instruments (record/add)"),
    (metrics, "record_each", "OTel SDK: metric instruments (record/add)"),
    *[
        (tracing_processor.MultiProcessor, n, "tracing core: MultiProcessor (self)")
        for n in ("on_trace_start", "on_trace_end", "on_span_start", "on_span_end")
    ],
]


class _Clock:
    """Self time per label; `overhead` is what a nested wrapped call adds to its caller's."""

    def __init__(self) -> None:
        self.self_time: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.nested_calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []  # per open call: [nested seconds, nested calls]

    def wrap(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        stack, self_time, calls, nested_calls = (
            self._stack,
            self.self_time,
            self.calls,
            self.nested_calls,
        )

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            stack.append([0.0, 0])
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                nested, n = stack.pop()
                self_time[label] += elapsed - nested
                calls[label] += 1
                nested_calls[label] += int(n)
                if stack:
                    stack[-1][0] += elapsed
                    stack[-1][1] += 1

        return timed

    def clear(self) -> None:
        self.self_time.clear()
        self.calls.clear()
        self.nested_calls.clear()


def _wrapper_overhead(samples: int = 20_000) -> float:
    """Seconds a wrapped call adds to the self time of the wrapped call around it."""

    def child() -> None:
        pass

    def parent(call: Callable[[], None]) -> None:
        for _ in range(samples):
            call()

    best = float("inf")
    for _ in range(5):
        clock = _Clock()
        clock.wrap(parent, "bare")(child)
        clock.wrap(parent, "wrapped")(clock.wrap(child, "child"))
        best = min(best, (clock.self_time["wrapped"] - clock.self_time["bare"]) / samples)
    return max(best, 0.0)


@contextmanager
def _wrapped(clock: _Clock) -> Iterator[None]:
    missing = object()
    originals: list[tuple[Any, str, Any]] = []
    try:
        for owner, name, label in TARGETS:
            # Class attributes are restored exactly (an inherited one by deleting ours).
            originals.append((owner, name, vars(owner).get(name, missing)))
            setattr(owner, name, clock.wrap(getattr(owner, name), label))
        yield
    finally:
        for owner, name, original in reversed(originals):
            if original is missing:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


def breakdown(
    loop: asyncio.AbstractEventLoop, streamed: bool, runs: int, upstream: bool = False
) -> tuple[float, dict[str, float], int]:
    """(instrumented wall seconds per run, self seconds per run by part, wrapped calls per run);
    `upstream`: our processor on the upstream SDK's runner (`instrument_openai_agents`)."""
    pipe = Pipeline(CountingExporter())
    work: OurWorkload | UpstreamWorkload
    if upstream:
        processor, _ = our_adapter(pipe.tracer_provider, pipe.meter_provider)
        activate, work = use("processor", processor), UpstreamWorkload(streamed)
    else:
        activate, work = use_ours("bridge", pipe.bridge()), OurWorkload(streamed=streamed)

    async def body(n: int) -> None:
        for _ in range(n):
            await work.run()

    clock = _Clock()
    chunks: list[dict[str, float]] = []
    walls: list[float] = []
    per_chunk = max(runs // 5, 1)
    activate()
    # A collection is charged to whichever part allocated when it triggered: freezing what
    # exists keeps collections small, and the median over chunks drops the one that got a big one.
    gc.collect()
    gc.freeze()
    try:
        with _wrapped(clock):
            loop.run_until_complete(body(max(runs // 10, 10)))
            for _ in range(5):
                clock.clear()
                start = time.perf_counter()
                loop.run_until_complete(body(per_chunk))
                walls.append((time.perf_counter() - start) / per_chunk)
                chunks.append({label: t / per_chunk for label, t in clock.self_time.items()})
            calls = sum(clock.calls.values()) // per_chunk
            nested = {label: n / per_chunk for label, n in clock.nested_calls.items()}
    finally:
        gc.unfreeze()
        use_ours("off")()
        if upstream:
            reset()
        pipe.shutdown()
    overhead = _wrapper_overhead()
    # Median over chunks, so one preemption of the process does not land on one part.
    per_run = {
        label: max(statistics.median(c.get(label, 0.0) for c in chunks) - overhead * n, 0.0)
        for label, n in nested.items()
    }
    return statistics.median(walls), per_run, calls
