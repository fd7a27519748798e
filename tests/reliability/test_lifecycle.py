"""Telemetry of processes that end without a normal exit: SIGTERM, and forked pool workers
(which end with `os._exit`). Nothing is exported before the end (batch delays of 10 minutes), so
whatever arrives was delivered by the ending.

Real processes (`lifecycle_script.py`, no OTel code, configured by OTEL_* variables alone) and a
real OTLP receiver.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.slow  # real processes ended by signals and forks: in make test-integration

SCRIPT = Path(__file__).with_name("lifecycle_script.py")
MARGIN_S = 5.0  # interpreter start and imports on a loaded machine


def env_for(endpoint: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=endpoint,
        OTEL_BSP_SCHEDULE_DELAY="600000",
        OTEL_BLRP_SCHEDULE_DELAY="600000",
        OTEL_METRIC_EXPORT_INTERVAL="600000",
        **extra,
    )
    return env


def start_and_terminate(mode: str, runs: int, env: dict[str, str]) -> tuple[int, str, float]:
    """Starts the script, waits for "ready", sends SIGTERM; returns (status, stderr, seconds)."""
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), mode, str(runs)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr, time.monotonic() - started


def test_sigterm_delivers_every_finished_run_and_still_dies_by_the_signal(
    otlp_receiver: OTLPReceiver,
) -> None:
    status, stderr, _ = start_and_terminate("sigterm", 3, env_for(otlp_receiver.http_endpoint))
    assert status == -signal.SIGTERM, stderr  # what the process did without otel-agents
    spans = otlp_receiver.wait_for_spans(count=6, timeout=5)  # 3 runs x (agent, chat)
    assert len({s.trace_id for s in spans if s.name.startswith("invoke_agent")}) == 3
    otlp_receiver.wait_for_points(lambda ps: any(p.metric == "otel_agents.runs" for p in ps))
    assert "Traceback" not in stderr


def test_sigterm_delivers_the_partial_trace_of_a_run_in_flight_ended_and_marked(
    otlp_receiver: OTLPReceiver,
) -> None:
    status, stderr, _ = start_and_terminate(
        "sigterm-in-flight", 1, env_for(otlp_receiver.http_endpoint)
    )
    assert status == -signal.SIGTERM, stderr
    # The finished run (agent, chat), and the stuck one: its agent, its model call and the tool.
    spans = otlp_receiver.wait_for_spans(count=5, timeout=5)
    agent = next(s for s in spans if s.name == "invoke_agent Stuck")
    stuck = {s.name for s in spans if s.trace_id == agent.trace_id}
    assert stuck == {"invoke_agent Stuck", "chat scripted-model", "execute_tool slow_lookup"}
    unfinished = [s for s in spans if s.attributes.get("otel_agents.incomplete")]
    assert {s.name for s in unfinished} == {"invoke_agent Stuck", "execute_tool slow_lookup"}
    assert all(s.status_code == "ERROR" for s in unfinished)
    assert "Traceback" not in stderr


def test_sigterm_chains_to_the_apps_handler_and_keeps_its_exit_status(
    otlp_receiver: OTLPReceiver,
) -> None:
    status, stderr, _ = start_and_terminate(
        "sigterm-app-handler", 2, env_for(otlp_receiver.http_endpoint)
    )
    assert status == 3, stderr  # the app's handler ran: sys.exit(3)
    spans = otlp_receiver.wait_for_spans(count=4, timeout=5)  # 2 runs x (agent, chat)
    assert len({s.trace_id for s in spans if s.name.startswith("invoke_agent")}) == 2


def test_sigterm_with_a_dead_collector_ends_within_the_deadline(
    otlp_receiver: OTLPReceiver,
) -> None:
    otlp_receiver.hang()
    env = env_for(
        otlp_receiver.http_endpoint,
        OTEL_EXPORTER_OTLP_TIMEOUT="60",
        OTEL_AGENTS_SHUTDOWN_TIMEOUT="1",
    )
    status, stderr, elapsed = start_and_terminate("sigterm", 1, env)
    assert status == -signal.SIGTERM, stderr
    assert elapsed < 1 + MARGIN_S, f"SIGTERM took {elapsed:.1f}s to end the process"
    assert "export on SIGTERM did not finish within 1.0 s" in stderr


@pytest.mark.parametrize("ending", ["close", "with", "signal-in-flush"])
def test_fork_pool_workers_deliver_their_runs_once_and_counters_add_up(
    otlp_receiver: OTLPReceiver, ending: str, tmp_path: Path
) -> None:
    runs = 6
    jsonl = tmp_path / "runs.jsonl"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), f"pool-{ending}", str(runs)],
        env=env_for(otlp_receiver.http_endpoint, JSONL_PATH=str(jsonl)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and f"{runs} replies" in done.stdout, done.stderr
    expected = runs + 1  # the parent's own run too
    spans = otlp_receiver.wait_for_spans(
        lambda s: sum(x.name.startswith("invoke_agent") for x in s) >= expected, timeout=10
    )
    agents = [s for s in spans if s.name.startswith("invoke_agent")]
    assert len(agents) == expected and len({s.trace_id for s in agents}) == expected
    # Each process reports its own cumulative count once (at its end): they add up to the runs.
    points = otlp_receiver.wait_for_points(
        lambda ps: sum(p.value or 0 for p in ps if p.metric == "otel_agents.runs") >= expected
    )
    assert sum(p.value or 0 for p in points if p.metric == "otel_agents.runs") == expected
    # The JSONL writer runs in the workers too: every trace once, from whichever process ran it.
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    traces = [line["id"] for line in lines if line["object"] == "trace"]
    assert len(traces) == expected and len(set(traces)) == expected
