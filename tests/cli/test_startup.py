"""Start-up: `otel-agents --help`, `view` and `doctor` load neither the openai client nor runner.

One fresh interpreter runs the commands in turn (as the `otel-agents` script does: `cli.main`) and
reports `sys.modules` after each; modules only accumulate, so a module absent after the last
command was imported by none. No timing here: the wall-time budget is in bench/startup.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from otel_agents.demo.catalog import SUMMARIES
from otel_agents.demo.scenarios import SCENARIOS

# The openai package, and our modules that run agents or build the OpenAI models.
RUNNER = (
    "openai",
    "otel_agents.agent",
    "otel_agents.runner",
    "otel_agents._run_loop",
    "otel_agents._turn",
    "otel_agents.models.openai_chat",
    "otel_agents.models.openai_responses",
    "otel_agents.models.provider",
    "otel_agents.demo.scenarios",
)

PROBE = """
import json, sys
from pathlib import Path

out, jsonl = Path(sys.argv[1]), sys.argv[2]
seen = {}
def after(step, code=None):
    seen[step] = {"code": code, "modules": sorted(sys.modules)}

import otel_agents
after("import otel_agents")
from otel_agents.cli import main
after("--help", main(["--help"]))
after("view", main(["view", jsonl]))
after("doctor", main(["doctor", "--timeout", "0.5"]))
out.write_text(json.dumps(seen))
"""


def _trace_file(path: Path) -> Path:
    trace = {"object": "trace", "id": "trace_1", "workflow_name": "Startup check",
             "start_time_ns": 1_000, "end_time_ns": 9_000_000}  # fmt: skip
    span = {"object": "trace.span", "id": "span_1", "trace_id": "trace_1", "parent_id": None,
            "start_time_ns": 2_000, "end_time_ns": 8_000_000,
            "span_data": {"type": "agent", "name": "Helper"}, "error": None}  # fmt: skip
    path.write_text(json.dumps(trace) + "\n" + json.dumps(span) + "\n")
    return path


def test_help_view_and_doctor_import_neither_openai_nor_the_runner(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_"))}
    report, jsonl = tmp_path / "modules.json", _trace_file(tmp_path / "t.jsonl")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), str(jsonl)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # The commands did their work: help listed the commands, view drew the tree, doctor reported.
    assert "{demo,run,doctor,view}" in done.stdout
    assert "Trace Startup check" in done.stdout and "agent Helper" in done.stdout
    assert "No problem found" in done.stdout
    seen = json.loads(report.read_text())
    assert [found["code"] for found in seen.values()] == [None, 0, 0, 0]

    for step, found in seen.items():
        modules = set(found["modules"])
        assert not modules & set(RUNNER), f"{step} imported {sorted(modules & set(RUNNER))}"
        assert "pydantic" not in modules, step  # what the openai types are made of

    # The bare package and --help load nothing heavy: no rich, no OpenTelemetry.
    for step in ("import otel_agents", "--help"):
        heavy = [m for m in seen[step]["modules"] if m.split(".")[0] in ("rich", "opentelemetry")]
        assert heavy == [], step
    # view draws with rich and needs no OpenTelemetry.
    assert not any(m.startswith("opentelemetry") for m in seen["view"]["modules"])


def test_help_lists_the_scenarios_the_demo_runs() -> None:
    # `--help` reads the catalogue instead of building the scenarios' agents.
    assert list(SUMMARIES) == list(SCENARIOS)
    assert {name: s.summary for name, s in SCENARIOS.items()} == SUMMARIES
