"""Profiles for failed budgets: pyinstrument over the bridge's runs, written next to the report.

When a budget on the bridge's cost fails, the traced workload (run and streamed) is profiled for
a couple of seconds each with pyinstrument. Full call trees go to `bench/profiles/*.txt`; the
report gets the functions with the most total time under the bridge (`otel_agents.otel` and the
OTel SDK it calls), and the exact self time of each part (`breakdown.py`), which is where a fix
would go.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from .breakdown import breakdown
from .otel_kit import CountingExporter, Pipeline, use_ours
from .report import Report
from .workload import OurWorkload

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
_BRIDGE_BUDGETS = ("OTel bridge cost", "traced run", "marginal cost per streamed event")


def profile_bridge(
    loop: asyncio.AbstractEventLoop, streamed: bool, seconds: float
) -> tuple[str, str]:
    """(call tree, flat list by total time) of bridge-traced runs for `seconds`."""
    from pyinstrument import Profiler

    pipe = Pipeline(CountingExporter())
    use_ours("bridge", pipe.bridge())()
    work = OurWorkload(streamed=streamed)

    async def body() -> None:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            await work.run()

    loop.run_until_complete(body())  # warm
    profiler = Profiler(interval=0.0001, async_mode="disabled")
    profiler.start()
    loop.run_until_complete(body())
    profiler.stop()
    use_ours("off")()
    pipe.shutdown()
    tree = profiler.output_text(unicode=False, color=False, show_all=False)
    flat = profiler.output_text(
        unicode=False, color=False, flat=True, flat_time="total", time="percent_of_total"
    )
    return tree, flat


def _interesting(flat: str, limit: int = 25) -> list[str]:
    keep = ("otel_agents/otel", "opentelemetry", "otel_agents/tracing")
    lines = [line.rstrip() for line in flat.splitlines() if any(k in line for k in keep)]
    return lines[:limit]


def profile_failures(
    loop: asyncio.AbstractEventLoop, report: Report, progress: Callable[[str], None]
) -> None:
    failed = [b for b in report.budgets if b.passed is False and b.name.startswith(_BRIDGE_BUDGETS)]
    if not failed:
        return
    PROFILE_DIR.mkdir(exist_ok=True)
    for mode in ("run", "streamed"):
        progress(f"  profiling the bridge ({mode})")
        tree, flat = profile_bridge(loop, mode == "streamed", 2.0)
        (PROFILE_DIR / f"bridge-{mode}.txt").write_text(tree, encoding="utf-8")
        (PROFILE_DIR / f"bridge-{mode}-flat.txt").write_text(flat, encoding="utf-8")
        table = report.table(
            f"Profile of the bridge-traced workload ({mode}): total time under the bridge",
            "pyinstrument line (percent of all samples, function, file)",
            intro=(
                f"Because {len(failed)} budget(s) on the bridge's cost failed. Full tree: "
                f"`bench/profiles/bridge-{mode}.txt`; "
                f"flat: `bench/profiles/bridge-{mode}-flat.txt`."
            ),
        )
        for line in _interesting(flat):
            table.add(f"`{line.strip()}`")
    for runner, mode in [(r, m) for r in ("ours", "upstream") for m in ("run", "streamed")]:
        progress(f"  timing the bridge's parts ({runner}, {mode})")
        upstream = runner == "upstream"
        wall, parts, calls = breakdown(
            loop, mode == "streamed", 300 if upstream else 1_000, upstream
        )
        where = (
            " on the upstream SDK (our processor via instrument_openai_agents)" if upstream else ""
        )
        table = report.table(
            f"Where the bridge's time goes{where} ({mode}), self time per run",
            "part",
            "us per run",
            "share",
            intro=(
                f"Timing wrappers around {calls} calls per run, their own cost subtracted (the "
                f"instrumented run takes {wall * 1e6:.0f} us); see `bench/breakdown.py`."
            ),
        )
        total = sum(parts.values())
        for label, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
            table.add(label, f"{seconds * 1e6:.1f}", f"{seconds / total:.0%}")
        table.add("**total in the bridge and the OTel SDK**", f"{total * 1e6:.1f}", "100%")
