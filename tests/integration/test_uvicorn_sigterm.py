"""A real uvicorn under load gets SIGTERM: with the documented lifespan hook, every request that
was answered has its trace delivered (uvicorn re-raises SIGTERM after its graceful shutdown, so
`atexit` never runs there)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from _servers import free_port, load_then_sigterm

from support.otlp_receiver import OTLPReceiver

pytest.importorskip("uvicorn")
pytest.importorskip("starlette")

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent


def test_uvicorn_under_load_delivers_every_answered_request_on_sigterm(
    otlp_receiver: OTLPReceiver,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint,
        OTEL_BSP_SCHEDULE_DELAY="600000",  # nothing leaves before the shutdown
        OTEL_METRIC_EXPORT_INTERVAL="600000",
        OTEL_LOGS_EXPORTER="none",
        PYTHONPATH=str(HERE),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "uvicorn_app:app", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:  # wait until it serves
            if "Uvicorn running" in line:
                break
        answered = load_then_sigterm(
            server, lambda n: f"http://127.0.0.1:{port}/ask?n={n}", 400, 100
        )
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == -signal.SIGTERM  # uvicorn re-raised it
    expected = len(answered)
    spans = otlp_receiver.wait_for_spans(
        lambda s: sum(x.name.startswith("invoke_agent") for x in s) >= expected, timeout=10
    )
    agents = [s for s in spans if s.name.startswith("invoke_agent")]
    assert len({s.trace_id for s in agents}) == len(agents) >= expected
