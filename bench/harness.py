"""Interleaved, paired measurement: blocks of runs, grouped, repeated in rounds.

The machine's speed drifts by up to ~80% within seconds, so no figure is an absolute time taken
on its own. A *group* is a list of blocks run back to back (a baseline and what is compared with
it); every round runs every group once, groups in a shuffled order and each group's blocks in
reverse order every other round, so neither position nor drift favours a block. Figures are then
taken per round from blocks of the same group (differences, ratios) and summarised by their
median, with a distribution-free 95% confidence interval of that median.
"""

from __future__ import annotations

import asyncio
import gc
import math
import random
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .workload import RunOnce


def _noop() -> None:
    pass


@dataclass
class Block:
    """A named way to run: `activate` sets the global state up, then `once` runs `runs` times."""

    name: str
    once: RunOnce
    activate: Callable[[], None] = _noop
    deactivate: Callable[[], None] = _noop
    runs: int = 0  # per block; 0 means calibrate
    total: int = 0  # runs made so far, warm-up included (to check that nothing was dropped)
    # What a block's time is: wall time by default; `time.thread_time` counts only this thread's
    # CPU, so other processes on a busy machine do not add to it (other threads' work neither).
    clock: Callable[[], float] = time.perf_counter

    def run_block(self, loop: asyncio.AbstractEventLoop, warmup: int) -> float:
        """Seconds per run, for one block (warm-up runs and a GC pass are not timed)."""
        self.activate()
        try:

            async def body(n: int) -> None:
                once = self.once
                for _ in range(n):
                    await once()

            loop.run_until_complete(body(warmup))
            gc.collect()
            clock = self.clock
            start = clock()
            loop.run_until_complete(body(self.runs))
            elapsed = clock() - start
            self.total += warmup + self.runs
            return elapsed / self.runs
        finally:
            self.deactivate()


@dataclass
class Summary:
    """Median and 95% confidence interval of the median of per-round values."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        xs = sorted(values)
        n = len(xs)
        if n == 0:
            return cls(math.nan, math.nan, math.nan, 0)
        # Order statistics around n/2 +- 1.96 * sqrt(n)/2 bound the median at ~95%.
        half = 0.98 * math.sqrt(n)
        lo = max(0, math.floor(n / 2 - half))
        hi = min(n - 1, math.ceil(n / 2 + half) - 1)
        return cls(statistics.median(xs), xs[lo], xs[hi], n)

    def scaled(self, factor: float) -> Summary:
        return Summary(self.median * factor, self.low * factor, self.high * factor, self.n)


@dataclass
class Rounds:
    """Per-round seconds-per-run of every block, by group label and block name."""

    samples: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def get(self, group: str, block: str) -> list[float]:
        return self.samples[(group, block)]

    def per_round(
        self, group: str, blocks: Sequence[str], combine: Callable[..., float]
    ) -> list[float]:
        """`combine(*seconds)` of the named blocks of `group`, one value per round."""
        columns = [self.get(group, b) for b in blocks]
        return [combine(*row) for row in zip(*columns, strict=True)]

    def median(self, group: str, block: str) -> Summary:
        return Summary.of(self.get(group, block))


class Harness:
    """Runs groups of blocks in interleaved rounds on one event loop.

    Args:
        target_block_s: Calibrated block length; short enough that drift within a block is small.
        warmup: Untimed runs before each block (caches, the block's own allocations).
        seed: For the shuffled group order, so a report can be reproduced.
        progress: Called with a line of text as rounds go.
    """

    def __init__(
        self,
        *,
        target_block_s: float = 0.05,
        warmup: int = 2,
        seed: int = 20261125,
        progress: Callable[[str], None] = print,
    ) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.target_block_s = target_block_s
        self.warmup = warmup
        self.random = random.Random(seed)
        self.progress = progress

    def calibrate(self, blocks: Iterable[Block]) -> None:
        """Sets each block's run count so that a block takes about `target_block_s`."""
        for block in blocks:
            if block.runs:
                continue
            block.runs = 1
            per_run = min(block.run_block(self.loop, self.warmup) for _ in range(3))
            block.runs = max(1, round(self.target_block_s / max(per_run, 1e-9)))

    def rounds(self, groups: dict[str, list[Block]], n: int, title: str) -> Rounds:
        """Runs every group `n` times, interleaved; returns the per-round samples."""
        # Objects alive now (modules, set-up) go to the permanent generation: the GC pass before
        # each block then costs little, and no block pays for collecting the set-up.
        gc.collect()
        gc.freeze()
        self.calibrate(b for blocks in groups.values() for b in blocks)
        result = Rounds({(g, b.name): [] for g, blocks in groups.items() for b in blocks})
        labels = list(groups)
        started = time.perf_counter()
        for r in range(n):
            self.random.shuffle(labels)
            for label in labels:
                blocks = groups[label] if r % 2 == 0 else list(reversed(groups[label]))
                for block in blocks:
                    result.samples[(label, block.name)].append(
                        block.run_block(self.loop, self.warmup)
                    )
            if r == 0 or (r + 1) % 5 == 0 or r + 1 == n:
                elapsed = time.perf_counter() - started
                self.progress(f"  {title}: round {r + 1}/{n} ({elapsed:.1f} s)")
        gc.unfreeze()
        return result

    def close(self) -> None:
        self.loop.close()
