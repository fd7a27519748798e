"""Start-up: the wall time of fresh interpreters, side by side in one run.

Each round starts every command once, in a shuffled order (so neither position nor the machine's
drift favours one), after one untimed round that fills the page cache and compiles bytecode:

- `python -c pass`: the interpreter alone, the floor;
- `python -c "import openai"`: what any program on the openai client pays;
- `python -c "import otel_agents"`: the bare package, which loads its parts on first use;
- `python -c "from otel_agents import Agent, Runner, ..."`: what a user's first line pays;
- `otel-agents --help` (the installed console script).

Figures are per-round ratios (and differences) between commands of the same round, summarised by
their median with the 95% interval of the median. Budgets: `otel-agents --help` under 0.3 s
wall; `import otel_agents` at most `import openai` + 15%.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .harness import Summary
from .report import Report, ratio

HELP_BUDGET_S = 0.3
IMPORT_BUDGET = 1.15  # import otel_agents / import openai
FIRST_LINE = "from otel_agents import Agent, Runner, function_tool, trace"


def _commands() -> dict[str, list[str]]:
    python = sys.executable
    script = Path(python).parent / "otel-agents"
    help_argv = [str(script), "--help"] if script.exists() else [python, "-m", "otel_agents"]
    if not script.exists():
        help_argv.append("--help")
    return {
        "python -c pass": [python, "-c", "pass"],
        "import openai": [python, "-c", "import openai"],
        "import otel_agents": [python, "-c", "import otel_agents"],
        FIRST_LINE: [python, "-c", FIRST_LINE],
        "otel-agents --help": help_argv,
    }


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run to completion."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def startup(report: Report, rounds: int, progress: Callable[[str], None]) -> None:
    commands = _commands()
    # The user's environment minus what could make a command do more than start (no export).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for argv in commands.values():  # untimed: page cache, .pyc files
        _run(argv, env)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    order = list(commands)
    shuffle = random.Random(20261204).shuffle
    started = time.perf_counter()
    for r in range(rounds):
        shuffle(order)
        for name in order:
            w, c = _run(commands[name], env)
            wall[name].append(w)
            cpu[name].append(c)
        if r == 0 or (r + 1) % 5 == 0 or r + 1 == rounds:
            elapsed = time.perf_counter() - started
            progress(f"  start-up: round {r + 1}/{rounds} ({elapsed:.1f} s)")

    def per_round(a: str, b: str, times: dict[str, list[float]] = wall) -> Summary:
        return Summary.of([x / y for x, y in zip(times[a], times[b], strict=True)])

    def minus(a: str, b: str) -> Summary:
        return Summary.of([x - y for x, y in zip(wall[a], wall[b], strict=True)])

    table = report.table(
        "Start-up: fresh interpreters",
        "command",
        "wall",
        "CPU",
        "wall / python -c pass",
        "wall / import openai",
        "CPU / import openai",
        intro=(
            f"{rounds} rounds; each round starts every command once, in a shuffled order, after "
            "one untimed round (page cache, bytecode). Ratios are taken per round. `import "
            "otel_agents` loads its submodules on first use of a name; the first line of a "
            "program (`" + FIRST_LINE + "`) loads the runner and the openai types. "
            "`otel-agents --help` is the installed console script. CPU is the child's user + "
            "system time: less disturbed than wall time by other work on a shared machine."
        ),
    )
    for name in commands:
        table.add(
            f"`{name}`",
            _seconds(Summary.of(wall[name])),
            _seconds(Summary.of(cpu[name])),
            ratio(per_round(name, "python -c pass")),
            ratio(per_round(name, "import openai")),
            ratio(per_round(name, "import openai", cpu)),
        )
    table.add(
        "`otel-agents --help` minus `python -c pass`",
        _seconds(minus("otel-agents --help", "python -c pass")),
        "",
        "",
        "",
        "",
    )
    table.add(
        "`" + FIRST_LINE + "` minus `import openai`",
        _seconds(minus(FIRST_LINE, "import openai")),
        "",
        "",
        "",
        "",
    )

    help_wall = Summary.of(wall["otel-agents --help"])
    report.budget(
        "`otel-agents --help` wall time",
        f"< {HELP_BUDGET_S:.3f} s",
        f"{_seconds(help_wall)}; {ratio(per_round('otel-agents --help', 'python -c pass'))} "
        "`python -c pass`",
        help_wall.median < HELP_BUDGET_S,
        "loads neither rich, OpenTelemetry, the runner nor openai",
    )
    bare = per_round("import otel_agents", "import openai")
    first = per_round(FIRST_LINE, "import openai")
    report.budget(
        "`import otel_agents` <= `import openai` + 15%",
        f"<= {IMPORT_BUDGET:.2f}x",
        f"{ratio(bare)}; `{FIRST_LINE}`: {ratio(first)} (CPU "
        f"{ratio(per_round(FIRST_LINE, 'import openai', cpu))})",
        bare.median <= IMPORT_BUDGET,
        "the bare package loads its parts on first use",
    )


def _seconds(s: Summary) -> str:
    return f"{s.median:.3f} s [{s.low:.3f}, {s.high:.3f}]"
