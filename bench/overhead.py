"""Sections 1-3: the cost of tracing a run, against the raw OTel floor and the upstream SDK.

1. Our runner on the 3-turn script, run and streamed: tracing off / on with no processor / the
   OTel bridge (batch processor + counting no-op exporter, metrics on).
2. The raw floor: the spans the bridge exported for one run (same names, kinds, attributes,
   events, nesting), created directly with the OTel SDK on the same provider setup; and the
   same plus the bridge's metric measurements (same instruments, values, attributes). And the
   same spans replayed by a minimal processor from inside the run (`MinimalProcessor`): the
   share of the bridge's cost that any processor pays for emitting from a run's callbacks.
3. The upstream SDK on the same script: off, no processor, OpenInference, our adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .harness import Block, Harness, Summary
from .otel_kit import CountingExporter, Floor, MinimalProcessor, Pipeline, capture, use_ours
from .report import Report, ms, pct, ratio, us
from .upstream import OpenInference, our_adapter, reset, use
from .workload import OurWorkload, UpstreamWorkload

MODES = ("run", "streamed")


def _per_span(s: Summary, spans: int) -> Summary:
    return s.scaled(1 / spans)


def _exported(pipe: Pipeline) -> int:
    """Spans the pipeline's counting exporter received, after a flush."""
    pipe.flush()
    exporter = pipe.exporter
    assert isinstance(exporter, CountingExporter)
    return exporter.spans


def ours_vs_floor(h: Harness, report: Report, rounds: int) -> dict[str, float]:
    """Sections 1 and 2, with the budgets on the bridge's cost; returns its cost per run."""
    costs: dict[str, float] = {}
    table = report.table(
        "1-2. Our runner, tracing off / on / OTel bridge, and the raw OTel floor",
        "mode",
        "figure",
        "value",
        intro=(
            "Per run unless said. *Cost* = paired difference with the tracing-off block of the "
            "same group. *Bridge* = `OTelTracingProcessor` on an SDK `TracerProvider` "
            "(`BatchSpanProcessor`, default sizes, counting no-op exporter) and a `MeterProvider` "
            "(`InMemoryMetricReader`), metrics on. *Floor* = the same spans created directly with "
            "the SDK (same provider setup), no runner; *floor+metrics* adds the same measurements "
            "(the histogram records: the bridge's counters are running totals read by "
            "`ObservableCounter` callbacks when a reader collects, so no run makes a counter call; "
            "streamed, the floor makes one `record` per output chunk after the first, which the "
            "bridge batches: `otel/histograms.py`). Budget: bridge cost / floor+metrics."
        ),
    )
    for mode in MODES:
        work = OurWorkload(streamed=mode == "streamed")
        shape = capture(work.run)
        spans = shape.span_count
        bridge_pipe = Pipeline(CountingExporter())
        floor_pipe = Pipeline(CountingExporter())
        spans_only_pipe = Pipeline(CountingExporter(), metrics=False)
        off = Block("off", work.run, use_ours("off"))
        noproc = Block("noproc", work.run, use_ours("noproc"))
        bridge = Block("bridge", work.run, use_ours("bridge", bridge_pipe.bridge()))
        floor = Block("floor", Floor(shape, floor_pipe, metrics=False).run, use_ours("off"))
        floor_m = Block("floor_m", Floor(shape, floor_pipe, metrics=True).run, use_ours("off"))
        spans_only = Block("spans_only", work.run, use_ours("bridge", spans_only_pipe.bridge()))
        minimal_pipe = Pipeline(CountingExporter(), metrics=False)
        minimal = Block(
            "minimal", work.run, use_ours("bridge", MinimalProcessor(shape, minimal_pipe))
        )
        r = h.rounds(
            {
                "noproc": [off, noproc],
                "bridge": [off, bridge, floor, floor_m],
                "spans_only": [off, spans_only, floor, minimal],
            },
            rounds,
            f"ours/{mode}",
        )
        use_ours("off")()

        def diff(a: float, b: float) -> float:
            return a - b

        noproc_cost = Summary.of(r.per_round("noproc", ("noproc", "off"), diff))
        bridge_cost = Summary.of(r.per_round("bridge", ("bridge", "off"), diff))
        bridge_ratio = Summary.of(r.per_round("bridge", ("bridge", "off"), lambda a, b: a / b))
        vs_floor = Summary.of(
            r.per_round("bridge", ("bridge", "off", "floor"), lambda a, b, f: (a - b) / f)
        )
        vs_floor_m = Summary.of(
            r.per_round("bridge", ("bridge", "off", "floor_m"), lambda a, b, f: (a - b) / f)
        )
        so_cost = Summary.of(r.per_round("spans_only", ("spans_only", "off"), diff))
        so_floor = Summary.of(
            r.per_round("spans_only", ("spans_only", "off", "floor"), lambda a, b, f: (a - b) / f)
        )
        own = Summary.of(
            r.per_round("bridge", ("bridge", "off", "floor_m"), lambda a, b, f: a - b - f)
        )
        table.add(mode, "spans per run (trace + spans)", str(spans))
        table.add(
            mode,
            "metric instrument calls per run (histogram records)",
            str(len(shape.measurements)),
        )
        table.add(mode, "tracing off", ms(r.median("bridge", "off")))
        table.add(mode, "tracing on, no processor", ms(r.median("noproc", "noproc")))
        table.add(mode, "OTel bridge", ms(r.median("bridge", "bridge")))
        table.add(
            mode, "cost of tracing, no processor, per span", us(_per_span(noproc_cost, spans))
        )
        table.add(mode, "cost of the OTel bridge, per span", us(_per_span(bridge_cost, spans)))
        table.add(mode, "cost of the OTel bridge, per run", us(bridge_cost))
        costs[mode] = bridge_cost.median
        table.add(mode, "traced run / tracing off", f"{ratio(bridge_ratio)} ({pct(bridge_ratio)})")
        table.add(
            mode, "raw OTel floor, per span", us(_per_span(r.median("bridge", "floor"), spans))
        )
        table.add(
            mode,
            "raw OTel floor+metrics, per span",
            us(_per_span(r.median("bridge", "floor_m"), spans)),
        )
        table.add(mode, "bridge cost / floor (spans only)", ratio(vs_floor))
        table.add(mode, "bridge cost / floor+metrics", ratio(vs_floor_m))
        table.add(
            mode, "bridge's own code (cost - floor+metrics), per span", us(_per_span(own, spans))
        )
        table.add(
            mode,
            "bridge with metrics off (no-op meter provider): cost per span",
            us(_per_span(so_cost, spans)),
        )
        table.add(mode, "bridge with metrics off: cost / floor (spans only)", ratio(so_floor))
        minimal_cost = Summary.of(r.per_round("spans_only", ("minimal", "off"), diff))
        minimal_floor = Summary.of(
            r.per_round("spans_only", ("minimal", "off", "floor"), lambda a, b, f: (a - b) / f)
        )
        table.add(
            mode,
            "minimal processor in the run (the same spans replayed, nothing mapped, no metrics): "
            "cost per span",
            us(_per_span(minimal_cost, spans)),
        )
        table.add(
            mode, "minimal processor in the run: cost / floor (spans only)", ratio(minimal_floor)
        )
        bridge_pipe.flush()
        expected = bridge.total * spans
        exported = bridge_pipe.exporter.spans  # type: ignore[attr-defined]
        table.add(mode, "bridge spans exported / created", f"{exported} / {expected}")
        report.budget(
            f"OTel bridge cost per span <= 1.5x raw OTel floor with the same histogram records "
            f"(our runner, {mode})",
            "<= 1.50x",
            ratio(vs_floor_m),
            vs_floor_m.median <= 1.5,
        )
        report.budget(
            f"traced run (spans + metrics) <= 1.15x tracing off ({mode})",
            "<= 1.15x",
            ratio(bridge_ratio),
            bridge_ratio.median <= 1.15,
        )
        for pipe in (bridge_pipe, floor_pipe, spans_only_pipe, minimal_pipe):
            pipe.shutdown()
    return costs


def upstream(
    h: Harness, report: Report, rounds: int, bridge_costs: dict[str, float] | None = None
) -> None:
    """Section 3, with the budget on our runner's own speed.

    With `bridge_costs` (section 1's bridge cost per run, by mode), the bridge's cost is also
    given as a share of the upstream SDK's untraced run: the scale the 1.15x budget came from.
    """
    reset()
    table = report.table(
        "3. The upstream OpenAI Agents SDK on the same script",
        "mode",
        "figure",
        "value",
        intro=(
            "Same script, same `ScriptedModel` renderer behind a fake `agents.Model`. Bridges on "
            "the same provider setup as section 1 (OpenInference emits no metrics). Budget: our "
            "processor's cost beyond the SDK's own tracing (upstream + our processor - upstream "
            "tracing on with no processor) / the raw floor+metrics of the spans and records it "
            "emitted for one upstream run, per round."
        ),
    )
    oi_pipe = Pipeline(CountingExporter())
    ours_pipe = Pipeline(CountingExporter())
    floor_pipe = Pipeline(CountingExporter())
    adapter, adapter_note = our_adapter(ours_pipe.tracer_provider, ours_pipe.meter_provider)

    def install(provider: Any, meters: Any) -> Callable[[], None]:
        return use("processor", our_adapter(provider, meters)[0])

    for mode in MODES:
        streamed = mode == "streamed"
        up = UpstreamWorkload(streamed)
        ours = OurWorkload(streamed)
        ours_off = Block("ours_off", ours.run, use_ours("off"))
        up_off = Block("up_off", up.run, use("off"))
        up_noproc = Block("up_noproc", up.run, use("noproc"))
        oi = OpenInference(oi_pipe.tracer_provider)
        up_oi = Block("up_oi", up.run, oi.activate, oi.deactivate)
        groups = {
            "vs": [ours_off, up_off],
            "noproc": [up_off, up_noproc],
            "oi": [up_off, up_oi],
        }
        up_ours = Block("up_ours", up.run, use("processor", adapter))
        if adapter is not None:
            # The floor: the spans and measurements our adapter emitted for one upstream run,
            # made with the OTel SDK directly.
            shape = capture(up.run, install)
            reset()
            up_floor_m = Block("up_floor_m", Floor(shape, floor_pipe, metrics=True).run, use("off"))
            groups["ours"] = [up_off, up_noproc, up_ours, up_floor_m]
        oi_before, ours_before = _exported(oi_pipe), _exported(ours_pipe)
        r = h.rounds(groups, rounds, f"upstream/{mode}")
        reset()
        oi_spans = (_exported(oi_pipe) - oi_before) / max(up_oi.total, 1)

        def diff(a: float, b: float) -> float:
            return a - b

        vs = Summary.of(r.per_round("vs", ("ours_off", "up_off"), lambda a, b: a / b))
        table.add(mode, "upstream, tracing off", ms(r.median("vs", "up_off")))
        table.add(mode, "ours, tracing off (same group)", ms(r.median("vs", "ours_off")))
        table.add(mode, "ours / upstream, tracing off", ratio(vs))
        noproc = Summary.of(r.per_round("noproc", ("up_noproc", "up_off"), diff))
        table.add(mode, "upstream, tracing on, no processor", ms(r.median("noproc", "up_noproc")))
        table.add(mode, "upstream cost of tracing, no processor, per run", us(noproc))
        oi_cost = Summary.of(r.per_round("oi", ("up_oi", "up_off"), diff))
        oi_ratio = Summary.of(r.per_round("oi", ("up_oi", "up_off"), lambda a, b: a / b))
        table.add(mode, "upstream + OpenInference", ms(r.median("oi", "up_oi")))
        table.add(mode, "OpenInference spans per run", f"{oi_spans:.1f}")
        table.add(mode, "OpenInference cost per span", us(oi_cost.scaled(1 / max(oi_spans, 1.0))))
        table.add(mode, "upstream + OpenInference / off", f"{ratio(oi_ratio)} ({pct(oi_ratio)})")
        if adapter is not None:
            cost = Summary.of(r.per_round("ours", ("up_ours", "up_off"), diff))
            rr = Summary.of(r.per_round("ours", ("up_ours", "up_off"), lambda a, b: a / b))
            table.add(
                mode, f"upstream + our processor ({adapter_note})", ms(r.median("ours", "up_ours"))
            )
            ours_spans = (_exported(ours_pipe) - ours_before) / max(up_ours.total, 1)
            table.add(mode, "our processor on upstream: spans per run", f"{ours_spans:.1f}")
            table.add(mode, "our processor on upstream: cost per run", us(cost))
            table.add(
                mode,
                "our processor on upstream: cost per span",
                us(cost.scaled(1 / max(ours_spans, 1.0))),
            )
            table.add(mode, "upstream + our processor / off", f"{ratio(rr)} ({pct(rr)})")
            beyond = Summary.of(r.per_round("ours", ("up_ours", "up_noproc"), diff))
            vs_floor_m = Summary.of(
                r.per_round(
                    "ours", ("up_ours", "up_noproc", "up_floor_m"), lambda a, b, f: (a - b) / f
                )
            )
            table.add(
                mode,
                "our processor on upstream: cost per span beyond the SDK's own tracing "
                "(vs tracing on, no processor)",
                us(beyond.scaled(1 / max(ours_spans, 1.0))),
            )
            table.add(
                mode,
                f"raw OTel floor+metrics of the same spans and records ({shape.span_count} "
                f"spans, {len(shape.measurements)} metric calls), per span",
                us(r.median("ours", "up_floor_m").scaled(1 / max(shape.span_count, 1))),
            )
            table.add(mode, "our processor on upstream: cost beyond tracing / floor+metrics",
                      ratio(vs_floor_m))  # fmt: skip
            report.budget(
                f"OTel bridge cost per span <= 2x raw OTel floor with the same histogram records "
                f"(upstream SDK, {mode})",
                "<= 2.00x",
                ratio(vs_floor_m),
                vs_floor_m.median <= 2.0,
            )
        else:
            table.add(mode, "upstream + our processor", f"PENDING ({adapter_note})")
        if bridge_costs and mode in bridge_costs:
            up_off_median = r.median("vs", "up_off").median
            table.add(
                mode,
                "our bridge's cost per run (section 1) / upstream's untraced run (medians)",
                f"{bridge_costs[mode] / up_off_median:.1%}",
            )
        report.budget(
            f"our runner, tracing off <= 1/3 of the upstream SDK ({mode})",
            "<= 0.333x",
            ratio(vs),
            vs.median <= 1 / 3,
        )
    oi_pipe.shutdown()
    ours_pipe.shutdown()
    floor_pipe.shutdown()
