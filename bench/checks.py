"""Checks: nothing of the export happens on the event-loop thread; no run waits for an exporter.

1. Threads: spans go through the batch processor to a recording exporter and metrics through a
   `PeriodicExportingMetricReader` (100 ms) to a recording metric exporter while runs go on the
   loop; every `export()` call's thread is recorded (before any flush, which would export on the
   caller's thread by design) and must differ from the loop's.
2. A slow collector: an exporter that sleeps 50 ms per batch. Paired blocks against the no-op
   exporter must take the same time (a single wait of 50 ms in a block would show as several
   percent).
3. A hung collector: an exporter blocked until released. Every run must complete while it is
   blocked (a run that waited would never finish); the full queue drops spans instead.
Per-run latencies (p50, p99, max) of all three are reported; on a shared machine the max also
catches the scheduler, so it is information, not the criterion.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence

from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    MetricsData,
    PeriodicExportingMetricReader,
)

from .harness import Block, Harness, Summary
from .otel_kit import BlockedExporter, CountingExporter, Pipeline, SleepingExporter, use_ours
from .report import Report, ratio
from .workload import OurWorkload

SLOW_S = 0.05
SPANS_PER_RUN = 8  # trace + 7 spans for the 3-turn script (section 1 prints it)


class RecordingMetricExporter(MetricExporter):
    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()
        self.exports = 0

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: object
    ) -> MetricExportResult:
        self.threads.add(threading.get_ident())
        self.exports += 1
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: object) -> None:
        pass


def _timed_runs(
    loop: asyncio.AbstractEventLoop, works: Sequence[OurWorkload], n: int
) -> list[float]:
    async def body() -> list[float]:
        times = []
        for i in range(n):
            start = time.perf_counter()
            await works[i % len(works)].run()
            times.append(time.perf_counter() - start)
        return times

    return loop.run_until_complete(body())


def export_threads(loop: asyncio.AbstractEventLoop, report: Report, seconds: float) -> None:
    metric_exporter = RecordingMetricExporter()
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=100)
    pipe = Pipeline(CountingExporter(), readers=[reader])
    spans = pipe.exporter
    assert isinstance(spans, CountingExporter)
    use_ours("bridge", pipe.bridge())()
    works = [OurWorkload(streamed=False), OurWorkload(streamed=True)]
    loop_thread: set[int] = set()

    async def body() -> None:
        loop_thread.add(threading.get_ident())
        deadline = time.perf_counter() + seconds
        i = 0
        while time.perf_counter() < deadline or spans.batches == 0 or metric_exporter.exports == 0:
            await works[i % 2].run()
            i += 1

    loop.run_until_complete(body())
    use_ours("off")()
    span_threads, metric_threads = set(spans.threads), set(metric_exporter.threads)
    pipe.shutdown()
    on_loop = loop_thread & (span_threads | metric_threads)
    report.budget(
        "no export on the event-loop thread",
        "0 export() calls on the loop thread",
        f"{spans.batches} span batches on {len(span_threads)} other thread(s), "
        f"{metric_exporter.exports} metric exports on {len(metric_threads)} other thread(s), "
        f"{len(on_loop)} on the loop thread",
        not on_loop and spans.batches > 0 and metric_exporter.exports > 0,
    )


def slow_exporters(h: Harness, report: Report, rounds: int, timed_runs: int) -> None:
    logging.getLogger("opentelemetry.sdk._shared_internal").setLevel(logging.ERROR)
    table = report.table(
        "Checks: slow and hung exporters",
        "figure",
        "value",
        intro=(
            f"An exporter sleeping {SLOW_S * 1000:.0f} ms per batch, and one blocked until "
            "released, against the no-op exporter; bridge on, metrics on."
        ),
    )
    fast_pipe = Pipeline(CountingExporter())
    slow_exporter = SleepingExporter(SLOW_S)
    slow_pipe = Pipeline(slow_exporter)
    ratios: list[Summary] = []
    for mode in ("run", "streamed"):
        work = OurWorkload(streamed=mode == "streamed")
        fast = Block("fast", work.run, use_ours("bridge", fast_pipe.bridge()))
        slow = Block("slow", work.run, use_ours("bridge", slow_pipe.bridge()))
        r = h.rounds({"slow": [fast, slow]}, rounds, f"slow exporter/{mode}")
        rel = Summary.of(r.per_round("slow", ("slow", "fast"), lambda a, b: a / b))
        ratios.append(rel)
        table.add(f"{mode}: run time, slow exporter / no-op exporter", ratio(rel))

    works = [OurWorkload(streamed=False), OurWorkload(streamed=True)]
    latencies: dict[str, list[float]] = {}
    use_ours("bridge", fast_pipe.bridge())()
    latencies["no-op exporter"] = _timed_runs(h.loop, works, timed_runs)
    use_ours("bridge", slow_pipe.bridge())()
    slow_pipe.flush()
    batches_before, spans_before = slow_exporter.batches, slow_exporter.spans
    latencies["slow exporter"] = _timed_runs(h.loop, works, timed_runs)
    slow_batches = slow_exporter.batches - batches_before
    slow_pipe.flush()  # on this thread, after the timed runs: what the queue kept is exported
    slow_spans = slow_exporter.spans - spans_before

    blocked = BlockedExporter()
    hung_pipe = Pipeline(blocked)
    use_ours("bridge", hung_pipe.bridge())()
    latencies["hung exporter"] = _timed_runs(h.loop, works, timed_runs)
    use_ours("off")()
    entered, completed_while_blocked = blocked.entered, blocked.batches
    blocked.release()
    for name, times in latencies.items():
        xs = sorted(times)
        slow_runs = sum(t >= SLOW_S for t in xs)
        table.add(
            f"{name}: {len(xs)} runs one by one (half streamed): p50 / p99 / max",
            f"{xs[len(xs) // 2] * 1e3:.3f} / {xs[int(len(xs) * 0.99)] * 1e3:.3f} / "
            f"{xs[-1] * 1e3:.2f} ms; {slow_runs} run(s) >= {SLOW_S * 1e3:.0f} ms",
        )
    table.add(
        "slow exporter: batches exported during those runs; spans exported in all",
        f"{slow_batches}; {slow_spans:,} of {timed_runs * SPANS_PER_RUN:,} (the rest dropped by "
        "the full queue)",
    )
    hung_ok = entered >= 1 and completed_while_blocked == 0
    table.add(
        "hung exporter: runs completed while export() was blocked",
        f"{len(latencies['hung exporter'])} of {timed_runs} ({entered} export call(s) blocked, "
        "never returned during the runs; the full queue dropped the rest)",
    )
    for pipe in (fast_pipe, slow_pipe, hung_pipe):
        pipe.shutdown()
    report.budget(
        "no run waits for an exporter",
        "slow/no-op <= 1.05x; runs complete while export() hangs",
        "; ".join(ratio(x) for x in ratios)
        + f"; {timed_runs} runs completed with export() hung: {'yes' if hung_ok else 'no'}",
        all(x.median <= 1.05 for x in ratios) and hung_ok,
        "a single 50 ms wait in a block would add several percent",
    )
