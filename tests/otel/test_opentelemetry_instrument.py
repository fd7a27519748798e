"""`opentelemetry-instrument python app.py` with no OTel code in the app: the `otel_agents` entry
point is loaded and the run arrives at the collector (a real subprocess, real OTLP/HTTP)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.slow  # `opentelemetry-instrument` child processes

INSTRUMENT = Path(sys.executable).parent / "opentelemetry-instrument"

APP = """
from otel_agents import Agent, Runner
from otel_agents.models import ScriptedModel
from otel_agents.otel import OtelAgentsInstrumentor

# BaseInstrumentor is a singleton: this is the instance opentelemetry-instrument loaded.
print("instrumented:", OtelAgentsInstrumentor().is_instrumented_by_opentelemetry)
agent = Agent(name="Helper", model=ScriptedModel(["Hi!"]))
print(Runner.run_sync(agent, "Hello").final_output)
"""


@pytest.mark.skipif(
    not INSTRUMENT.exists() and shutil.which("opentelemetry-instrument") is None,
    reason="opentelemetry-instrumentation is not installed (pip install "
    "opentelemetry-instrumentation)",
)
def test_opentelemetry_instrument_exports_a_plain_script(
    otlp_receiver: OTLPReceiver, tmp_path: Path
) -> None:
    app = tmp_path / "app.py"
    app.write_text(APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env |= {
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_receiver.http_endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",  # opentelemetry-distro defaults to grpc
        "OTEL_SERVICE_NAME": "instrumented-app",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        # Only our instrumentor: others installed in the test environment are not under test.
        "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "openai,openai_agents",
    }
    command = str(INSTRUMENT if INSTRUMENT.exists() else shutil.which("opentelemetry-instrument"))
    done = subprocess.run(
        [command, sys.executable, str(app)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["instrumented: True", "Hi!"]
    spans = otlp_receiver.wait_for_spans(
        lambda spans: any(s.name == "invoke_agent Helper" for s in spans)
    )
    names = sorted(s.name for s in spans)
    assert names == ["chat scripted-model", "invoke_agent Helper"]  # one agent: a standalone root
    assert {s.resource.get("service.name") for s in spans} == {"instrumented-app"}


LOGS_APP = Path(__file__).with_name("logs_app.py")


@pytest.mark.skipif(not INSTRUMENT.exists(), reason="opentelemetry-instrumentation not installed")
@pytest.mark.parametrize(
    "configurator",
    [
        # opentelemetry-distro's configurator installs the LoggerProvider: it is used as is.
        pytest.param("distro", id="distro-configurator"),
        # No configurator: otel-agents builds the providers from the same variables.
        pytest.param("none", id="no-configurator"),
    ],
)
def test_opentelemetry_instrument_delivers_log_records_with_span_ids(
    otlp_receiver: OTLPReceiver, tmp_path: Path, configurator: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env |= {
        "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_receiver.http_endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",  # opentelemetry-distro defaults to grpc
        "OTEL_SERVICE_NAME": "instrumented-logs",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "openai,openai_agents",
    }
    if configurator == "none":
        env["OTEL_PYTHON_CONFIGURATOR"] = "no-such-configurator"  # loads none
    done = subprocess.run(
        [str(INSTRUMENT), sys.executable, str(LOGS_APP)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    expected = next(line for line in done.stdout.splitlines() if line.startswith("{"))
    logs = otlp_receiver.wait_for_logs(lambda logs: any(r.event_name == "app.lookup" for r in logs))
    record = next(r for r in logs if r.event_name == "app.lookup")
    assert f'"trace_id": "{record.trace_id}", "span_id": "{record.span_id}"' in expected
    assert record.resource["service.name"] == "instrumented-logs"
    spans = otlp_receiver.wait_for_spans(lambda s: any(x.span_id == record.span_id for x in s))
    assert {s.name for s in spans if s.span_id == record.span_id} == {"execute_tool lookup"}
    assert len(otlp_receiver.logs) == 1  # one LoggerProvider, not one from each setup
