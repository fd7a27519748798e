"""The JSONL file processor under faults and with the sensitivity switch off: a full disk
(`/dev/full`) loses lines but counts every one in `dropped`, logs once, and `shutdown()` never
raises (nor does `otel-agents demo --jsonl /dev/full`); with
`OTEL_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA=false` the file holds no sensitive custom data and no
exception message, as OTel export does. Spans come from real runs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from otel_agents import Agent, Runner, function_tool
from otel_agents.models import ScriptedModel, call_tool
from otel_agents.tracing import JsonlFileProcessor, custom_span, set_trace_processors
from support.tracing_recorder import RecordingProcessor

FULL = Path("/dev/full")
SECRET = "s3cr3t-value"


@function_tool
def lookup(query: str) -> str:
    """Looks something up.

    Args:
        query: What to look up.
    """
    with custom_span("fetch", data={"token": SECRET}, sensitive=True):
        pass
    raise ValueError(f"backend refused {SECRET}")


def agent() -> Agent[None]:
    return Agent(
        name="Looker",
        tools=[lookup],
        model=ScriptedModel([call_tool("lookup", {"query": "q"}), "done"]),
    )


@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full on this system")
def test_a_full_disk_counts_every_lost_line_logs_once_and_shutdown_never_raises(
    recorder: RecordingProcessor, caplog: pytest.LogCaptureFixture
) -> None:
    jsonl = JsonlFileProcessor(FULL)
    set_trace_processors([jsonl, recorder])
    with caplog.at_level(logging.ERROR, logger="otel_agents"):
        for _ in range(3):
            Runner.run_sync(agent(), "find it")
            jsonl.force_flush()
        jsonl.shutdown()  # must not raise
    written = sum(1 for kind, _ in recorder.events if kind in ("trace_end", "span_end"))
    assert written > 3
    assert jsonl.dropped == written
    errors = [r for r in caplog.records if "JsonlFileProcessor" in r.getMessage()]
    assert len(errors) == 1
    assert "No space left on device" in errors[0].getMessage()


@pytest.mark.slow  # a whole `python -m otel_agents` process; tests/cli covers it in-process
@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full on this system")
def test_the_demo_writing_to_a_full_disk_ends_without_a_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_"))}
    done = subprocess.run(
        [sys.executable, "-m", "otel_agents", "demo", "--chunk-delay", "0", "--jsonl", str(FULL)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode == 0, done.stderr
    assert "traces and spans could not be written to /dev/full" in done.stdout


@pytest.mark.parametrize("include", [False, True], ids=["switch-off", "switch-on"])
def test_jsonl_honours_the_sensitivity_switch(
    recorder: RecordingProcessor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, include: bool
) -> None:
    monkeypatch.setenv("OTEL_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA", str(include).lower())
    path = tmp_path / "traces.jsonl"
    jsonl = JsonlFileProcessor(path)
    set_trace_processors([jsonl, recorder])
    result = Runner.run_sync(agent(), "find it")
    jsonl.shutdown()
    assert result.final_output == "done"
    text = path.read_text()
    records = [json.loads(line) for line in text.splitlines()]
    errors = [r["error"] for r in records if r.get("error")]
    assert [e["type"] for e in errors] == ["ValueError"]  # the failure is still recorded
    custom = next(r for r in records if r.get("span_data", {}).get("type") == "custom")
    if include:
        assert SECRET in text
        assert custom["span_data"]["data"] == {"token": SECRET}
    else:
        assert SECRET not in text
        assert errors[0]["message"] is None
        assert custom["span_data"]["data"] == {}
