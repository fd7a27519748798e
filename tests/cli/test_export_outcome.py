"""The CLI's last line tells the truth about export, and its exit is bounded by one deadline.

A real `otel-agents demo` subprocess against a real OTLP receiver that answers, hangs (accepts
connections and never answers) or rejects every export (400: not retried).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.slow  # CLI processes waiting on silent collectors

MARGIN_S = 3.0  # beyond the same demo's time with a healthy collector, measured just before


def demo(endpoint: str, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "OTEL_"))}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "otel_agents", "demo", "--chunk-delay", "0"],
        env={**clean, "COLUMNS": "200", "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, time.monotonic() - started


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout.rstrip().splitlines()[-1]


def test_sent_is_said_only_when_the_collector_acknowledged(otlp_receiver: OTLPReceiver) -> None:
    done, _ = demo(otlp_receiver.http_endpoint)
    assert done.returncode == 0, done.stderr
    assert (
        last_line(done)
        == f"Telemetry: spans and metrics sent to OTLP http/protobuf {otlp_receiver.http_endpoint}."
    )
    assert otlp_receiver.spans  # acknowledged means arrived


def test_a_silent_collector_bounds_the_exit_and_is_reported(otlp_receiver: OTLPReceiver) -> None:
    # The same demo with a collector that answers: interpreter start, imports and the run.
    _, healthy = demo(otlp_receiver.http_endpoint, OTEL_AGENTS_SHUTDOWN_TIMEOUT="1")
    otlp_receiver.hang()
    done, elapsed = demo(
        otlp_receiver.http_endpoint,
        OTEL_EXPORTER_OTLP_TIMEOUT="60",  # the exporter's own timeout must not outlast ours
        OTEL_AGENTS_SHUTDOWN_TIMEOUT="1",
    )
    assert done.returncode == 0, done.stderr
    assert elapsed < healthy + 1 + MARGIN_S, (
        f"the demo took {elapsed:.1f}s to exit with a 1 s deadline ({healthy:.1f}s when healthy)"
    )
    line = last_line(done)
    assert "sent" not in line
    assert line.startswith("Telemetry: ") and " spans could not be delivered to " in line
    assert f"{otlp_receiver.http_endpoint}/v1/traces: no answer within the 1 s" in line


def test_a_rejecting_collector_is_reported_with_the_count(otlp_receiver: OTLPReceiver) -> None:
    otlp_receiver.fail(400)
    done, _ = demo(otlp_receiver.http_endpoint)
    assert done.returncode == 0, done.stderr
    line = last_line(done)
    assert "sent" not in line and "could not be delivered" in line
    assert "refused them or answered with an error" in line
    count = int(line.removeprefix("Telemetry: ").split()[0])
    assert count > 0
