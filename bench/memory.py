"""Section 5: memory over many runs with the bridge on: RSS, GC-tracked objects, heap blocks.

Every tenth run is streamed (stream-event metrics included). At each checkpoint the span queue
is flushed and a full GC pass made first, so a half-full export queue is not mistaken for growth.
Growth is measured from the first checkpoint (10% of the runs, 10,000 of 100,000) to the end.

RSS is read twice per checkpoint: as it is (raw), then after glibc's `malloc_trim(0)`, which
returns the free memory glibc's arenas keep cached to the OS. Raw RSS moves with that cache (it
can grow for a while with no object retained), so the budget is judged on the trimmed reading:
the memory the process really holds. Where `malloc_trim` is unavailable (not glibc), the raw
reading is judged and the report says so.
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
    rss: int  # raw
    trimmed: int | None  # after malloc_trim(0); None where unavailable
    objects: int
    blocks: int
    open_spans: int
    seconds: float


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where it does not exist (musl, macOS, Windows)."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def _checkpoint(runs: int, pipe: Pipeline, bridge: object, started: float) -> Checkpoint:
    pipe.tracer_provider.force_flush(30_000)
    gc.collect()
    raw = _rss()
    trimmed = None
    if _TRIM is not None:
        _TRIM(0)
        trimmed = _rss()
    return Checkpoint(
        runs=runs,
        rss=raw,
        trimmed=trimmed,
        objects=len(gc.get_objects()),
        blocks=sys.getallocatedblocks(),
        open_spans=len(getattr(bridge, "_open", ())),
        seconds=time.perf_counter() - started,
    )


def _mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / MB:.2f}"


def _growth(first: int | None, last: int | None) -> str:
    return "n/a" if first is None or last is None else f"{(last - first) / MB:+.2f}"


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
        progress(
            f"  memory: {done}/{total} runs, RSS {_mib(points[-1].rss)} MiB, "
            f"after malloc_trim {_mib(points[-1].trimmed)} MiB"
        )
    use_ours("off")()
    first, last = points[0], points[-1]
    created = total * spans_per_run
    exported = pipe.exporter.spans  # type: ignore[attr-defined]
    trimmed = _TRIM is not None
    table = report.table(
        "5. Memory with the bridge on",
        "runs",
        "RSS raw (MiB)",
        "RSS after malloc_trim (MiB)",
        "GC objects",
        "heap blocks",
        "spans held by the bridge",
        "elapsed (s)",
        intro=(
            f"{total:,} runs (1 in 10 streamed), bridge on (batch processor + no-op exporter, "
            "metrics on); each checkpoint after a flush of the span queue and a full GC pass. "
            "RSS is read as it is (raw), then after glibc's `malloc_trim(0)` returned the free "
            "memory its arenas cache to the OS (trimmed): the budget is judged on the trimmed "
            "reading, the memory really held. Raw readings after the first come after earlier "
            "checkpoints' trims."
            + ("" if trimmed else " malloc_trim is unavailable here: the raw reading is judged.")
        ),
    )
    for p in points:
        table.add(
            f"{p.runs:,}",
            _mib(p.rss),
            _mib(p.trimmed),
            f"{p.objects:,}",
            f"{p.blocks:,}",
            str(p.open_spans),
            f"{p.seconds:.1f}",
        )
    middle = points[len(points) // 2 - 1]
    for a in (first, middle):
        table.add(
            f"growth {a.runs:,} -> {last.runs:,}",
            _growth(a.rss, last.rss),
            _growth(a.trimmed, last.trimmed),
            f"{last.objects - a.objects:+,}",
            f"{last.blocks - a.blocks:+,}",
            "",
            "",
        )
    report.notes.append(
        f"Memory: {exported:,} of {created:,} spans exported over {total:,} runs "
        f"({created - exported:,} dropped); GC objects {first.objects:,} -> {last.objects:,}, "
        f"heap blocks {first.blocks:,} -> {last.blocks:,}; raw RSS growth "
        f"{_growth(first.rss, last.rss)} MiB, after malloc_trim(0) "
        f"{_growth(first.trimmed, last.trimmed)} MiB (the budget's figure"
        + (")." if trimmed else "; malloc_trim unavailable, so the raw figure is judged).")
    )
    judged_first = first.trimmed if first.trimmed is not None else first.rss
    judged_last = last.trimmed if last.trimmed is not None else last.rss
    growth = judged_last - judged_first
    how = "after malloc_trim(0)" if trimmed else "raw: malloc_trim unavailable"
    report.budget(
        f"memory flat: RSS growth from run {first.runs:,} to {last.runs:,} ({how})",
        "< 1 MB",
        f"{growth / MB:+.2f} MiB ({growth / 1e6:+.2f} MB); raw {_growth(first.rss, last.rss)} MiB",
        growth < 1_000_000,
    )
    pipe.shutdown()
