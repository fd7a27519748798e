"""Section 6: throughput: concurrent runs per second, and spans per second over real OTLP/HTTP.

Runs per second: waves of `concurrency` runs gathered on the event loop (one process, as an
async server would run agents), bridge on vs off in paired blocks. The machine has 2 cores: the
loop takes one; the batch processor's thread and, for OTLP, the receiver process use the other.

Spans per second: the bridge over the SDK's `BatchSpanProcessor` with its default queue (2048),
batch size and delay, and the real `OTLPSpanExporter` (http/protobuf) posting to a local receiver
in a child process. Runs go flat out for a while, then the queue is flushed; every span created
must arrive (created = runs x spans per run; arrived = what the receiver decoded).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

from .harness import Block, Harness, Summary
from .otel_kit import CountingExporter, Pipeline, capture, use_ours
from .receiver_process import ReceiverProcess
from .report import Report, ratio
from .workload import OurWorkload, RunOnce


def wave(once: RunOnce, concurrency: int) -> RunOnce:
    async def run() -> None:
        await asyncio.gather(*(once() for _ in range(concurrency)))

    return run


def runs_per_second(h: Harness, report: Report, rounds: int, concurrency: int) -> None:
    pipe = Pipeline(CountingExporter())
    table = report.table(
        "6a. Concurrent runs per second, bridge on vs off",
        "mode",
        "figure",
        "value",
        intro=f"Waves of {concurrency} concurrent runs on one event loop; paired blocks.",
    )
    for mode in ("run", "streamed"):
        once = wave(OurWorkload(streamed=mode == "streamed").run, concurrency)
        off = Block("off", once, use_ours("off"))
        on = Block("on", once, use_ours("bridge", pipe.bridge()))
        r = h.rounds({"tp": [off, on]}, rounds, f"throughput/{mode}")
        use_ours("off")()

        def rate(s: Summary) -> str:
            # seconds per wave -> runs per second (low and high swap)
            return (
                f"{concurrency / s.median:,.0f} runs/s "
                f"[{concurrency / s.high:,.0f}, {concurrency / s.low:,.0f}]"
            )

        rel = Summary.of(r.per_round("tp", ("off", "on"), lambda a, b: a / b))
        table.add(mode, "tracing off", rate(r.median("tp", "off")))
        table.add(mode, "bridge on", rate(r.median("tp", "on")))
        table.add(mode, "bridge on / off (runs per second)", ratio(rel))
    pipe.shutdown()


def otlp_export(
    loop: asyncio.AbstractEventLoop,
    report: Report,
    seconds: float,
    concurrency: int,
    progress: Callable[[str], None],
) -> None:
    work = OurWorkload(streamed=False)
    spans_per_run = capture(work.run).span_count
    # The SDK logs one warning per span dropped on a full queue; the count below says it all.
    logging.getLogger("opentelemetry.sdk._shared_internal").setLevel(logging.ERROR)
    table = report.table(
        "6b. Spans per second over OTLP/HTTP to a local receiver (default queue size)",
        "figure",
        "value",
    )
    with ReceiverProcess() as receiver:
        exporter = OTLPSpanExporter(endpoint=f"{receiver.endpoint}/v1/traces")
        pipe = Pipeline(exporter)
        use_ours("bridge", pipe.bridge())()
        runs = 0
        once = wave(work.run, concurrency)

        async def drive() -> None:
            nonlocal runs
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                await once()
                runs += concurrency

        start = time.perf_counter()
        loop.run_until_complete(drive())
        produced = time.perf_counter() - start
        pipe.tracer_provider.force_flush(60_000)
        total = time.perf_counter() - start
        use_ours("off")()
        received, requests = receiver.count()
        pipe.shutdown()
        created = runs * spans_per_run
        progress(f"  otlp: {received}/{created} spans in {total:.1f} s")
        table.add("receiver", receiver.kind)
        table.add("runs (waves of concurrent runs)", f"{runs:,} ({concurrency} at a time)")
        table.add(
            "spans created / received / dropped",
            f"{created:,} / {received:,} / {created - received:,}",
        )
        table.add("export requests", f"{requests:,}")
        table.add("production time / until flushed", f"{produced:.2f} s / {total:.2f} s")
        table.add("runs per second while exporting", f"{runs / produced:,.0f}")
        table.add(
            "spans per second exported (received / time until flushed)", f"{received / total:,.0f}"
        )
    report.budget(
        "OTLP/HTTP export at full run rate, default queue: no span dropped",
        "0 dropped",
        f"{created - received:,} of {created:,} dropped, {received / total:,.0f} spans/s",
        received == created,
    )
