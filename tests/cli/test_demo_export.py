"""`otel-agents demo --runs 20` against a real local OTLP receiver, in a subprocess.

A subprocess, because the environment-driven setup installs process-wide OpenTelemetry providers
that must not leak into other tests. The CLI flushes before it exits, so everything it sent is
in the receiver once the process is gone; the waits below only guard against slow decoding.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict

import pytest

from support.otlp_receiver import OTLPReceiver, ReceivedPoint, ReceivedSpan

RUNS = 20
# OTel spans per trace by root: the workflow root + one per agent, model call, tool, guardrail,
# handoff and custom span (see the trees printed by `otel-agents demo --scenario ...`). The
# inventory check is one agent with no handoffs: a standalone agent root, no workflow span.
SPANS_PER_TRACE = {
    "invoke_workflow Customer support": 10,
    "invoke_workflow Research brief": 9,
    "invoke_agent Inventory assistant": 6,
}


def run_cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "OTEL_"))}
    return subprocess.run(
        [sys.executable, "-m", "otel_agents", *argv],
        env={**clean, "COLUMNS": "120", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def complete_traces(spans: list[ReceivedSpan]) -> dict[str, list[ReceivedSpan]]:
    """Traces whose spans all arrived: one root, every parent present, the expected count."""
    by_trace: dict[str, list[ReceivedSpan]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace_id].append(span)
    complete = {}
    for trace_id, members in by_trace.items():
        roots = [s for s in members if not s.parent_span_id]
        ids = {s.span_id for s in members}
        if len(roots) != 1 or not all(
            s.parent_span_id in ids for s in members if s is not roots[0]
        ):
            continue
        if len(members) == SPANS_PER_TRACE.get(roots[0].name):
            complete[trace_id] = members
    return complete


def latest_totals(points: list[ReceivedPoint], metric: str) -> dict[str, float]:
    """Cumulative counter values by workflow (the largest value seen per attribute set)."""
    latest: dict[tuple[tuple[str, object], ...], float] = {}
    for point in points:
        if point.metric == metric and point.value is not None:
            key = tuple(sorted(point.attributes.items()))
            latest[key] = max(latest.get(key, 0), point.value)
    totals: dict[str, float] = defaultdict(float)
    for key, value in latest.items():
        totals[str(dict(key).get("gen_ai.workflow.name"))] += value
    return dict(totals)


def test_twenty_concurrent_runs_deliver_twenty_complete_traces_and_metrics(
    otlp_receiver: OTLPReceiver,
) -> None:
    endpoint = otlp_receiver.http_endpoint
    done = run_cli("demo", "--runs", str(RUNS), "--chunk-delay", "0",
                   env={"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert f"Telemetry: spans and metrics sent to OTLP http/protobuf {endpoint}." in done.stdout
    assert f"{RUNS} runs" in done.stdout

    spans = otlp_receiver.wait_for_spans(lambda s: len(complete_traces(s)) >= RUNS, timeout=10)
    traces = complete_traces(spans)
    assert len(traces) == RUNS == len({s.trace_id for s in spans})
    workflows = sorted(next(s for s in m if not s.parent_span_id).name for m in traces.values())
    assert workflows.count("invoke_workflow Customer support") == 7
    assert {s.resource["service.name"] for s in spans} == {"otel-agents-demo"}

    points = otlp_receiver.wait_for_points(
        lambda p: sum(latest_totals(p, "otel_agents.runs").values()) >= RUNS, timeout=10
    )
    assert latest_totals(points, "otel_agents.runs") == {
        "Customer support": 7, "Research brief": 7, "Inventory check": 6,
    }  # fmt: skip
    names = {p.metric for p in points}
    assert {
        "gen_ai.client.token.usage",
        "gen_ai.client.operation.duration",
        "gen_ai.client.operation.time_to_first_chunk",
        "otel_agents.tool.calls",
    } <= names


@pytest.mark.parametrize(
    ("env", "expected", "tree_shown"),
    [
        (
            {
                "OTEL_TRACES_EXPORTER": "console",
                "OTEL_METRICS_EXPORTER": "none",
                "OTEL_LOGS_EXPORTER": "none",  # otlp by default, like the other two
            },
            "Telemetry: spans sent to the console, metrics not exported.",
            True,
        ),
        (
            {"OTEL_AGENTS_TRACING_DISABLED": "true"},
            "Telemetry: none (OTEL_AGENTS_TRACING_DISABLED is on, no trace was created).",
            False,
        ),
    ],
    ids=["console", "tracing-disabled"],
)
def test_the_last_line_says_where_telemetry_went(
    env: dict[str, str], expected: str, tree_shown: bool
) -> None:
    done = run_cli("demo", "--scenario", "flaky", "--chunk-delay", "0", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(expected)
    assert ("Trace Inventory check" in done.stdout) is tree_shown
    if env.get("OTEL_TRACES_EXPORTER") == "console":  # the console exporter printed the spans
        assert '"name": "invoke_agent Inventory assistant"' in done.stdout
