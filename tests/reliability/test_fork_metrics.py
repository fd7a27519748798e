"""A forked child reports only what it recorded: the OTel SDK's metric state (histogram
aggregations, sums) that it inherits from its parent is not exported again by the child.

A real parent process (`fork_script.py`, no OTel code, configured by OTEL_* variables alone) runs
once, then forks children that each run once; every process exports its metrics exactly once
(at its end: export intervals of 10 minutes) to a real OTLP receiver.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.slow  # real processes: interpreter starts and a fork per child
SCRIPT = Path(__file__).with_name("fork_script.py")
DURATION = "gen_ai.client.operation.duration"  # one point per model call, a histogram


def test_forked_children_do_not_re_export_the_parents_metric_points(
    otlp_receiver: OTLPReceiver,
) -> None:
    children = 2
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint,
        OTEL_BSP_SCHEDULE_DELAY="600000",
        OTEL_METRIC_EXPORT_INTERVAL="600000",
        OTEL_LOGS_EXPORTER="none",
    )
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(children)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "children: [0, 0]" in done.stdout, done.stderr
    runs = children + 1
    points = otlp_receiver.wait_for_points(
        lambda ps: (
            sum(p.count or 0 for p in ps if p.metric == DURATION) >= runs
            and sum(p.value or 0 for p in ps if p.metric == "otel_agents.runs") >= runs
        )
    )
    spans = otlp_receiver.wait_for_spans(
        lambda s: sum(x.name.startswith("invoke_agent") for x in s) >= runs
    )
    # Each process exported once: histogram counts and counters add up to the runs, per agent.
    durations = [p for p in points if p.metric == DURATION]
    assert sum(p.count or 0 for p in durations) == runs
    by_agent: dict[str, float] = {}
    for p in points:
        if p.metric == "otel_agents.runs":
            agent = str(p.attributes.get("gen_ai.agent.name"))
            by_agent[agent] = by_agent.get(agent, 0) + (p.value or 0)
    assert by_agent == {"Parent": 1, "Child-0": 1, "Child-1": 1}
    assert sorted(s.name for s in spans if s.name.startswith("invoke_agent")) == [
        "invoke_agent Child-0",
        "invoke_agent Child-1",
        "invoke_agent Parent",
    ]
