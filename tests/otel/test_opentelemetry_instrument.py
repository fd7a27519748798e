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
    assert names == ["chat scripted-model", "invoke_agent Helper", "invoke_workflow Agent workflow"]
    assert {s.resource.get("service.name") for s in spans} == {"instrumented-app"}
