"""`python -m bench`: run every section in one process and write bench/RESULTS.md.

python -m bench            # the full run (`make bench`), a few minutes
python -m bench --quick    # fewer rounds and runs, for a quick look
python -m bench --only overhead,stream   # some sections (the report says which ran)
python -m bench --only llama --out /tmp/llama.md   # real llama.cpp runs (needs llama_setup.sh)
python -m bench --only scale --scale-configs ours-off,ours-otlp --scale-ns 10,100   # a subset
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
from pathlib import Path

from . import checks, llama, memory, overhead, scale, startup, streaming, throughput
from .harness import Harness
from .profiles import profile_failures
from .report import Report

SECTIONS = (
    "overhead",
    "upstream",
    "stream",
    "memory",
    "throughput",
    "checks",
    "startup",
    "scale",
    "llama",
)
DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds and runs")
    p.add_argument("--rounds", type=int, help="rounds per comparison (default 30, quick 8)")
    p.add_argument(
        "--memory-runs", type=int, help="runs for the memory section (default 100000, quick 20000)"
    )
    p.add_argument("--otlp-seconds", type=float, help="OTLP export duration (default 10, quick 3)")
    p.add_argument("--concurrency", type=int, default=32, help="concurrent runs per wave")
    p.add_argument("--block-ms", type=float, default=50.0, help="target length of one block")
    p.add_argument("--only", help=f"comma-separated sections among {','.join(SECTIONS)}")
    p.add_argument("--scale-ns", help="scale section's N (default 1,10,100,500; quick 1,10,100)")
    p.add_argument("--scale-rounds", type=int, help="scale section's rounds (default 3, quick 2)")
    p.add_argument(
        "--scale-configs",
        help=f"client configurations of the scale section (default all: {','.join(scale.LABELS)})",
    )
    p.add_argument("--scale-words", type=int, default=20, help="words of a scale run's reply")
    p.add_argument("--no-profile", action="store_true", help="skip profiling failed budgets")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report path")
    p.add_argument("--strict", action="store_true", help="exit 1 when a budget fails")
    args = p.parse_args(argv)
    args.rounds = args.rounds or (8 if args.quick else 30)
    args.memory_runs = args.memory_runs or (20_000 if args.quick else 100_000)
    args.otlp_seconds = args.otlp_seconds or (3.0 if args.quick else 10.0)
    args.only = set(args.only.split(",")) if args.only else set(SECTIONS)
    default_ns = "1,10,100" if args.quick else "1,10,100,500"
    args.scale_ns = tuple(int(n) for n in (args.scale_ns or default_ns).split(","))
    args.scale_rounds = args.scale_rounds or (2 if args.quick else 3)
    args.scale_configs = (
        tuple(args.scale_configs.split(",")) if args.scale_configs else tuple(scale.LABELS)
    )
    if set(args.scale_configs) - set(scale.LABELS):
        p.error(f"unknown scale configurations; choose among {tuple(scale.LABELS)}")
    unknown = args.only - set(SECTIONS)
    if unknown:
        p.error(f"unknown sections {sorted(unknown)}; choose among {SECTIONS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    settings = (
        f"rounds {args.rounds}, block ~{args.block_ms:g} ms, memory runs {args.memory_runs:,}, "
        f"OTLP {args.otlp_seconds:g} s, concurrency {args.concurrency}, "
        f"sections {', '.join(s for s in SECTIONS if s in args.only)}"
    )
    report = Report(command=command.strip(), settings=settings)
    h = Harness(target_block_s=args.block_ms / 1000, progress=progress)
    started = time.perf_counter()
    try:
        costs = overhead.ours_vs_floor(h, report, args.rounds) if "overhead" in args.only else {}
        if "upstream" in args.only:
            overhead.upstream(h, report, args.rounds, costs)
        if "stream" in args.only:
            streaming.per_event(h, report, max(args.rounds, 10) + 10)
        if "checks" in args.only:
            checks.export_threads(h.loop, report, 1.5)
            checks.slow_exporters(h, report, args.rounds, 2_000)
        if "throughput" in args.only:
            throughput.runs_per_second(h, report, max(args.rounds // 3, 3), args.concurrency)
            throughput.otlp_export(h.loop, report, args.otlp_seconds, args.concurrency, progress)
        if "startup" in args.only:
            startup.startup(report, args.rounds, progress)
        if "scale" in args.only:
            scale.scale(
                report,
                args.scale_rounds,
                progress,
                ns=args.scale_ns,
                configs=args.scale_configs,
                words=args.scale_words,
            )
        if "memory" in args.only:
            memory.memory(h.loop, report, args.memory_runs, progress)
        if "llama" in args.only:
            llama.real_model(h.loop, report, max(args.rounds // 2, 6), progress)
        if not args.no_profile:
            profile_failures(h.loop, report, progress)
    finally:
        h.close()
    report.duration_s = time.perf_counter() - started
    args.out.write_text(report.render(), encoding="utf-8")
    print(report.render())
    progress(f"wrote {args.out}")
    failed = [b.name for b in report.budgets if b.passed is False]
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
