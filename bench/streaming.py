"""Section 4: the marginal cost of one more streamed event, with and without stream metrics.

A single-turn streamed run whose reply has N words emits `fixed + N` events. The marginal cost
per event of a configuration is (T(2,000 events) - T(20 events)) / 1,980, from adjacent blocks;
what telemetry adds per event is that marginal minus the tracing-off marginal of the same round.
Configurations: tracing off; tracing on with no processor; the OTel bridge with every metric;
the bridge with the `otel_agents.stream.events` counter dropped by a View (stream-event metrics
off).

Times are the event-loop thread's CPU time (`time.thread_time`), not wall time: the figure is
CPU the run's own thread spends per event, so other processes on a shared machine do not blur
it, and the export thread's work (batched, not per event) is not counted.
"""

from __future__ import annotations

import asyncio
import time

from .harness import Block, Harness, Summary
from .otel_kit import CountingExporter, Pipeline, use_ours
from .report import Report, us
from .workload import stream_workload

SMALL, LARGE = 20, 2_000


def _events_for(words: int) -> int:
    work = stream_workload(words)
    use_ours("off")()
    asyncio.run(work.run())
    return work.events


def per_event(h: Harness, report: Report, rounds: int) -> None:
    fixed = _events_for(1) - 1  # every event but the one text delta
    sizes = {SMALL: SMALL - fixed, LARGE: LARGE - fixed}
    events = {n: _events_for(words) for n, words in sizes.items()}
    span = events[LARGE] - events[SMALL]
    on_pipe = Pipeline(CountingExporter())
    drop_pipe = Pipeline(CountingExporter(), drop_stream_event_metric=True)
    configs = {
        "off": use_ours("off"),
        "noproc": use_ours("noproc"),
        "on": use_ours("bridge", on_pipe.bridge()),
        "drop": use_ours("bridge", drop_pipe.bridge()),
    }
    blocks = [
        Block(f"{name}_{n}", stream_workload(words).run, activate, clock=time.thread_time)
        for name, activate in configs.items()
        for n, words in sizes.items()
    ]
    r = h.rounds({"stream": blocks}, rounds, "stream events")
    use_ours("off")()

    def marginal(name: str) -> list[float]:
        return r.per_round(
            "stream", (f"{name}_{LARGE}", f"{name}_{SMALL}"), lambda a, b: (a - b) / span
        )

    m = {name: marginal(name) for name in configs}
    added_on = Summary.of([a - b for a, b in zip(m["on"], m["off"], strict=True)])
    added_drop = Summary.of([a - b for a, b in zip(m["drop"], m["off"], strict=True)])
    added_noproc = Summary.of([a - b for a, b in zip(m["noproc"], m["off"], strict=True)])
    metric_only = Summary.of([a - b for a, b in zip(m["on"], m["drop"], strict=True)])
    per_stream = Summary.of(
        r.per_round("stream", (f"on_{SMALL}", f"drop_{SMALL}"), lambda a, b: a - b)
    )
    table = report.table(
        "4. Per streamed event",
        "figure",
        "value",
        intro=(
            f"Single-turn streamed runs of {events[SMALL]} and {events[LARGE]} events "
            f"({sizes[SMALL]} and {sizes[LARGE]} text deltas); marginal = difference / {span}; "
            "times are the event-loop thread's CPU time."
        ),
    )
    table.add("runner's own marginal cost per event, tracing off", us(Summary.of(m["off"]), 3))
    table.add("marginal per event, bridge + all metrics", us(Summary.of(m["on"]), 3))
    table.add(
        "marginal per event, bridge, stream-event metric dropped", us(Summary.of(m["drop"]), 3)
    )
    table.add("**added per event by telemetry, stream-event metrics on**", us(added_on, 3))
    table.add("added per event by telemetry, stream-event metrics off", us(added_drop, 3))
    table.add("added per event by the stream-event metric alone (on - off)", us(metric_only, 3))
    table.add("added per event by tracing with no processor", us(added_noproc, 3))
    table.add(f"stream-event metric per stream ({events[SMALL]} events)", us(per_stream))
    for n in (SMALL, LARGE):
        table.add(f"{events[n]}-event run, tracing off", us(r.median("stream", f"off_{n}")))
        table.add(f"{events[n]}-event run, bridge + metrics", us(r.median("stream", f"on_{n}")))
    report.budget(
        "marginal cost per streamed event, stream-event metrics on",
        "<= 0.5 us",
        us(added_on, 3),
        added_on.median <= 0.5e-6,
    )
    on_pipe.shutdown()
    drop_pipe.shutdown()
