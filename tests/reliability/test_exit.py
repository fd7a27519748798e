"""Process exit flushes what is queued, within a deadline even when the collector is dead.

Each case runs `user_script.py` (no OpenTelemetry code) in a subprocess configured by OTEL_*
variables alone, the way a short script or a batch job runs in production. The batch delay is
set so long that nothing leaves before exit: whatever arrives was sent by the exit flush.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.otlp_receiver import OTLPReceiver

from .test_exporter_faults import closed_port_endpoint

pytestmark = pytest.mark.slow  # child processes waiting on dead collectors

SCRIPT = Path(__file__).with_name("user_script.py")
RUNS = 5
SPANS_PER_RUN = 2  # one agent on its own: its invoke_agent root and one model call
OUTPUT = "".join(f"reply {i}\n" for i in range(RUNS))
MARGIN_S = 5.0  # interpreter start, imports and a loaded machine; far below the export timeout
EXTRA_S = 2.5  # beyond the same script's time with a healthy collector, measured just before


def run_script(**env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    clean.update(
        OTEL_BSP_SCHEDULE_DELAY="600000",  # nothing is exported before exit
        OTEL_METRIC_EXPORT_INTERVAL="600000",
        **env,
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(RUNS)],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, time.monotonic() - started


def test_exit_delivers_everything_still_queued(otlp_receiver: OTLPReceiver) -> None:
    done, _ = run_script(OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint)
    assert done.returncode == 0 and done.stdout == OUTPUT, done.stderr
    spans = otlp_receiver.wait_for_spans(count=SPANS_PER_RUN * RUNS, timeout=5)
    assert len(spans) == SPANS_PER_RUN * RUNS
    assert len({s.trace_id for s in spans}) == RUNS
    otlp_receiver.wait_for_points(lambda ps: any(p.metric == "otel_agents.runs" for p in ps))


@pytest.mark.parametrize("collector", ["hangs", "refuses"])
def test_exit_is_bounded_by_the_shutdown_deadline_when_the_collector_is_dead(
    otlp_receiver: OTLPReceiver, collector: str
) -> None:
    # The same script with a collector that answers: interpreter start, imports and the runs.
    _, healthy = run_script(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint, OTEL_AGENTS_SHUTDOWN_TIMEOUT="1"
    )
    if collector == "hangs":
        otlp_receiver.hang()
        endpoint = otlp_receiver.http_endpoint
    else:
        endpoint = closed_port_endpoint()
    done, elapsed = run_script(
        OTEL_EXPORTER_OTLP_ENDPOINT=endpoint,
        OTEL_EXPORTER_OTLP_TIMEOUT="60",  # without our deadline, exit would wait this long
        OTEL_AGENTS_SHUTDOWN_TIMEOUT="1",
    )
    assert done.returncode == 0 and done.stdout == OUTPUT, done.stderr
    assert elapsed < healthy + 1 + EXTRA_S, (
        f"exit took {elapsed:.1f}s with a 1 s deadline ({healthy:.1f}s when healthy)"
    )
    assert done.stderr.count("did not finish within 1.0 s") == 1, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_exit_is_bounded_with_default_settings(otlp_receiver: OTLPReceiver) -> None:
    otlp_receiver.hang()
    done, elapsed = run_script(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint,
        OTEL_EXPORTER_OTLP_TIMEOUT="60",
        # The SDK does not use OTEL_BSP_EXPORT_TIMEOUT (yet); our default deadline (5 s) applies.
        OTEL_BSP_EXPORT_TIMEOUT="2000",
    )
    assert done.returncode == 0 and done.stdout == OUTPUT, done.stderr
    assert elapsed < 5 + MARGIN_S, f"exit took {elapsed:.1f}s with the default 5 s deadline"
