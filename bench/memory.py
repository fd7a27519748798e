"""Section 5: memory over many runs with the bridge on: RSS, GC-tracked objects, heap blocks.

Every tenth run is streamed (stream-event metrics included). At each checkpoint the span queue
is flushed and a full GC pass made first, so a half-full export queue is not mistaken for growth.
Growth is measured from the first checkpoint (10% of the runs, 10,000 of 100,000) to the end.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil  # type: ignore[import-untyped]

from .otel_kit import CountingExporter, Pipeline, capture, use_ours
from .report import Report
from .workload import OurWorkload

MB = 1024 * 1024


@dataclass
class Checkpoint:
    runs: int
    rss: int
    objects: int
    blocks: int
    open_spans: int
    seconds: float


def _checkpoint(runs: int, pipe: Pipeline, bridge: object, started: float) -> Checkpoint:
    pipe.tracer_provider.force_flush(30_000)
    gc.collect()
    return Checkpoint(
        runs=runs,
        rss=psutil.Process().memory_info().rss,
        objects=len(gc.get_objects()),
        blocks=sys.getallocatedblocks(),
        open_spans=len(getattr(bridge, "_open", ())),
        seconds=time.perf_counter() - started,
    )


def _rss_after_trim() -> int | None:
    """RSS after glibc returns free heap memory to the OS; None where that is not available."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return int(psutil.Process().memory_info().rss)


def memory(
    loop: asyncio.AbstractEventLoop, report: Report, total: int, progress: Callable[[str], None]
) -> None:
    pipe = Pipeline(CountingExporter())
    bridge = pipe.bridge()
    plain, streamed = OurWorkload(streamed=False), OurWorkload(streamed=True)
    spans_per_run = capture(plain.run).span_count
    use_ours("bridge", bridge)()
    step = max(total // 10, 1)

    async def chunk(start: int, n: int) -> None:
        for i in range(start, start + n):
            await (streamed.run() if i % 10 == 9 else plain.run())

    started = time.perf_counter()
    points: list[Checkpoint] = []
    done = 0
    while done < total:
        loop.run_until_complete(chunk(done, step))
        done += step
        points.append(_checkpoint(done, pipe, bridge, started))
        progress(f"  memory: {done}/{total} runs, RSS {points[-1].rss / MB:.1f} MiB")
    use_ours("off")()
    first, last = points[0], points[-1]
    created = total * spans_per_run
    exported = pipe.exporter.spans  # type: ignore[attr-defined]
    table = report.table(
        "5. Memory with the bridge on",
        "runs",
        "RSS (MiB)",
        "GC objects",
        "heap blocks",
        "spans held by the bridge",
        "elapsed (s)",
        intro=(
            f"{total:,} runs (1 in 10 streamed), bridge on (batch processor + no-op exporter, "
            "metrics on); each checkpoint after a flush of the span queue and a full GC pass."
        ),
    )
    for p in points:
        table.add(
            f"{p.runs:,}",
            f"{p.rss / MB:.2f}",
            f"{p.objects:,}",
            f"{p.blocks:,}",
            str(p.open_spans),
            f"{p.seconds:.1f}",
        )
    growth = last.rss - first.rss
    trimmed = _rss_after_trim()
    middle = points[len(points) // 2 - 1]
    table.add(
        f"growth {first.runs:,} -> {last.runs:,}",
        f"{growth / MB:+.2f}",
        f"{last.objects - first.objects:+,}",
        f"{last.blocks - first.blocks:+,}",
        "",
        "",
    )
    table.add(
        f"growth {middle.runs:,} -> {last.runs:,}",
        f"{(last.rss - middle.rss) / MB:+.2f}",
        f"{last.objects - middle.objects:+,}",
        f"{last.blocks - middle.blocks:+,}",
        "",
        "",
    )
    trim_note = (
        f" After the last checkpoint, glibc's malloc_trim(0) brought RSS from "
        f"{last.rss / MB:.2f} to {trimmed / MB:.2f} MiB (freed memory the allocator had kept)."
        if trimmed is not None
        else ""
    )
    report.notes.append(
        f"Memory: {exported:,} of {created:,} spans exported over {total:,} runs "
        f"({created - exported:,} dropped); GC objects {first.objects:,} -> {last.objects:,}, "
        f"heap blocks {first.blocks:,} -> {last.blocks:,}.{trim_note}"
    )
    report.budget(
        f"memory flat: RSS growth from run {first.runs:,} to {last.runs:,}",
        "< 1 MB",
        f"{growth / MB:+.2f} MiB ({growth / 1e6:+.2f} MB)",
        growth < 1_000_000,
    )
    pipe.shutdown()
