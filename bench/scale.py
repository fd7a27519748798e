"""Section 8: N concurrent streamed runs over real HTTP; client CPU per run, tracing off and on.

Processes: an OpenAI-compatible SSE server (`sse_server.py`), one OTLP/HTTP receiver per
exporting configuration (`receiver_process.py`), and one client per configuration
(`scale_worker.py`: our runner untraced, our runner exporting over OTLP/HTTP, the upstream
OpenAI Agents SDK untraced, with OpenInference, with our bridge). Each run is the bench's 3-turn
script (tool call, handoff, a reply of `words` words), streamed through the real `openai` client:
3 HTTP requests and their SSE streams per run.

A block is `waves` waves of N runs gathered at once in one client; its figure is the client
process's CPU time (all threads: the runner, the client, the span/log export threads, including
a flush of what the block queued) divided by the runs. Every round runs every configuration at
every N, N in a shuffled order and configurations shuffled within each N; ratios and differences
are taken per round between blocks of the same N, then summarised by their median and the 95%
interval of the median (`harness.Summary`), as in the other sections. Latency percentiles pool
every run of a configuration at one N; peak RSS is each client process's maximum (the N=500
blocks set it).

The budget (issue 17): at N = 10, 100 and 500, tracing + OTLP export on our runner adds at most
5% client CPU per run, and adds no more CPU per run than OpenInference adds to the upstream SDK.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import Summary
from .receiver_process import ReceiverProcess
from .report import Report, ms, pct

ROOT = Path(__file__).resolve().parent.parent
LABELS = {
    "ours-off": "our runner, tracing off",
    "ours-otlp": "our runner, tracing + OTLP/HTTP export",
    "up-off": "upstream SDK, tracing off",
    "up-oi": "upstream SDK + OpenInference, OTLP/HTTP",
    "up-ours": "upstream SDK + our bridge, OTLP/HTTP",
}
EXPORTING = ("ours-otlp", "up-oi", "up-ours")
OPENINFERENCE_TERMS = ("ours-otlp", "ours-off", "up-oi", "up-off")
BUDGET_NS = (10, 100, 500)
LIMIT = 1.05


class _Child:
    """A child process speaking one line per command on stdin/stdout."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def line(self) -> str:
        assert self.proc.stdout is not None
        got = self.proc.stdout.readline()
        if not got:
            raise RuntimeError(f"{self.proc.args[2:]} exited (code {self.proc.poll()})")
        return got

    def ask(self, command: str) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.line())

    def close(self) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _worker_env(endpoint: str | None, config: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_"))}
    if endpoint is not None:
        env["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
        env["OTEL_SERVICE_NAME"] = f"bench-scale-{config}"
    return env


@dataclass
class Cell:
    """What one configuration did at one N, per round."""

    cpu: list[float] = field(default_factory=list)  # CPU seconds per run, one per round
    wall: list[float] = field(default_factory=list)  # runs per second, one per round
    latencies: list[float] = field(default_factory=list)
    failed: int = 0


def measure(
    ns: tuple[int, ...],
    configs: tuple[str, ...],
    rounds: int,
    min_runs: int,
    words: int,
    progress: Callable[[str], None],
) -> tuple[dict[tuple[str, int], Cell], dict[str, dict[str, int]]]:
    """Runs the rounds; returns the cells and, per configuration, peak RSS and span counts."""
    server = _Child(["bench.sse_server", str(words)])
    receivers: dict[str, ReceiverProcess] = {}
    workers: dict[str, _Child] = {}
    try:
        base_url = server.line().strip()
        for config in configs:
            endpoint = None
            if config in EXPORTING:
                receivers[config] = ReceiverProcess()
                endpoint = receivers[config].endpoint
            workers[config] = _Child(
                ["bench.scale_worker", config, base_url], _worker_env(endpoint, config)
            )
        for worker in workers.values():
            worker.line()  # ready
        received0 = {c: r.count()[0] for c, r in receivers.items()}
        for worker in workers.values():  # warm-up: connections, caches, first-use imports
            worker.ask(f"run {min(ns[-1], 50)} 1")
        cells = {(c, n): Cell() for c in configs for n in ns}
        rng = random.Random(20261204)
        shuffled = list(configs)
        order = list(ns)
        for r in range(rounds):
            rng.shuffle(order)
            for n in order:
                rng.shuffle(shuffled)
                waves = max(1, math.ceil(min_runs / n))
                for config in shuffled:
                    got = workers[config].ask(f"run {n} {waves}")
                    cell = cells[(config, n)]
                    cell.cpu.append(got["cpu"] / got["runs"])
                    cell.wall.append(got["runs"] / got["wall"])
                    cell.latencies += got["latencies"]
                    cell.failed += got["runs"] - got["ok"]
            progress(f"  scale: round {r + 1}/{rounds}")
        stats: dict[str, dict[str, int]] = {}
        for config, worker in workers.items():
            got = worker.ask("stats")
            stats[config] = {"peak_rss_kib": got["peak_rss_kib"], "ended": got["spans_ended"]}
            if config in receivers:
                stats[config]["received"] = receivers[config].count()[0] - received0[config]
        return cells, stats
    finally:
        for worker in workers.values():
            worker.close()
        for receiver in receivers.values():
            receiver.close()
        server.close()


def _per_round(
    cells: dict[tuple[str, int], Cell], n: int, a: str, b: str, combine: Callable[..., float]
) -> Summary:
    pairs = zip(cells[(a, n)].cpu, cells[(b, n)].cpu, strict=True)
    return Summary.of([combine(x, y) for x, y in pairs])


def _quantile(xs: list[float], q: float) -> float:
    ys = sorted(xs)
    return ys[min(len(ys) - 1, int(len(ys) * q))] if ys else math.nan


def scale(
    report: Report,
    rounds: int,
    progress: Callable[[str], None],
    *,
    ns: tuple[int, ...] = (1, 10, 100, 500),
    configs: tuple[str, ...] = tuple(LABELS),
    min_runs: int = 30,
    words: int = 20,
) -> None:
    cells, stats = measure(ns, configs, rounds, min_runs, words, progress)
    labels = {c: label for c, label in LABELS.items() if c in configs}
    intro = (
        f"N concurrent streamed runs of the 3-turn script (tool call, handoff, reply of {words} "
        f"words: 3 requests and ~{words + 40} SSE events per run) through the real `openai` "
        "client against an SSE server in another process; one client process per "
        f"configuration. Blocks of at least {min_runs} runs (waves of N), {rounds} rounds. "
        "Client CPU per run includes the export threads and a flush of what the block queued."
    )
    per = report.table(
        "8. Scale: N concurrent streamed runs over real HTTP",
        "N",
        "configuration",
        "client CPU per run",
        "runs/s",
        "latency p50 / p99",
        "failed runs",
        intro=intro,
    )
    for n in ns:
        for config, label in labels.items():
            cell = cells[(config, n)]
            rate = Summary.of(cell.wall)
            per.add(
                str(n),
                label,
                ms(Summary.of(cell.cpu)),
                f"{rate.median:,.0f} [{rate.low:,.0f}, {rate.high:,.0f}]",
                f"{_quantile(cell.latencies, 0.5) * 1e3:.1f} / "
                f"{_quantile(cell.latencies, 0.99) * 1e3:.1f} ms",
                str(cell.failed),
            )
    rel = report.table(
        "8b. Scale: what tracing adds to client CPU per run (per-round ratios and differences)",
        "N",
        "comparison",
        "ratio",
        "added per run",
    )
    ratio_of: Callable[..., float] = lambda a, b: a / b  # noqa: E731
    diff_of: Callable[..., float] = lambda a, b: a - b  # noqa: E731
    for n in ns:
        for on, off, what in (
            ("ours-otlp", "ours-off", "our runner: tracing + OTLP / off"),
            ("up-oi", "up-off", "upstream: + OpenInference / off"),
            ("up-ours", "up-off", "upstream: + our bridge / off"),
            ("ours-off", "up-off", "untraced: our runner / upstream"),
            ("ours-otlp", "up-oi", "traced: our runner + OTLP / upstream + OpenInference"),
        ):
            if on not in configs or off not in configs:
                continue
            rel.add(
                str(n),
                what,
                pct(_per_round(cells, n, on, off, ratio_of)),
                ms(_per_round(cells, n, on, off, diff_of)),
            )
        if set(OPENINFERENCE_TERMS) <= set(configs):
            versus = _added_vs_openinference(cells, n)
            rel.add(str(n), "added: ours (our runner) - OpenInference (upstream)", "", ms(versus))
    res = report.table(
        "8c. Scale: memory and spans delivered, per client process",
        "configuration",
        "peak RSS",
        "spans ended / received by its receiver (lost)",
    )
    for config, label in labels.items():
        s = stats[config]
        spans = "-"
        if config in EXPORTING:
            spans = f"{s['ended']:,} / {s['received']:,} ({s['ended'] - s['received']:,})"
        res.add(label, f"{s['peak_rss_kib'] / 1024:.1f} MiB", spans)
    failed = sum(c.failed for c in cells.values())
    if failed:
        report.notes.append(f"Scale: {failed} run(s) failed (see the table); figures suspect.")
    _budgets(report, cells, ns, configs, failed)


def _budgets(
    report: Report,
    cells: dict[tuple[str, int], Cell],
    ns: tuple[int, ...],
    configs: tuple[str, ...],
    failed: int,
) -> None:
    for n in BUDGET_NS:
        name = f"scale N={n}: tracing + OTLP export, client CPU per streamed run"
        limit = f"<= +{(LIMIT - 1) * 100:.0f}%"
        versus_name = f"scale N={n}: CPU added by our tracing vs OpenInference's on upstream"
        if n not in ns or not {"ours-otlp", "ours-off"} <= set(configs):
            report.budget(name, limit, "not measured in this run", None, "--scale-ns/--quick")
        else:
            added = _per_round(cells, n, "ours-otlp", "ours-off", lambda a, b: a / b)
            report.budget(name, limit, pct(added), added.median <= LIMIT and not failed)
        if n not in ns or not set(OPENINFERENCE_TERMS) <= set(configs):
            report.budget(versus_name, "<= 0 ms per run", "not measured in this run", None)
        else:
            versus = _added_vs_openinference(cells, n)
            report.budget(
                versus_name, "<= 0 ms per run", ms(versus), versus.median <= 0 and not failed
            )


def _added_vs_openinference(cells: dict[tuple[str, int], Cell], n: int) -> Summary:
    """Per round: (ours traced - ours off) - (upstream + OpenInference - upstream off)."""
    rows = zip(
        cells[("ours-otlp", n)].cpu,
        cells[("ours-off", n)].cpu,
        cells[("up-oi", n)].cpu,
        cells[("up-off", n)].cpu,
        strict=True,
    )
    return Summary.of([(a - b) - (c - d) for a, b, c, d in rows])
