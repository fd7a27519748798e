"""Built-in processors: the console printer and the JSONL file writer."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from otel_agents.tracing import (
    ConsoleSpanProcessor,
    JsonlFileProcessor,
    agent_span,
    custom_span,
    flush_traces,
    function_span,
    handoff_span,
    set_trace_processors,
    trace,
)
from support.tracing_recorder import RecordingProcessor


def test_console_prints_one_line_per_ended_span_and_trace(recorder: RecordingProcessor) -> None:
    out = io.StringIO()
    set_trace_processors([ConsoleSpanProcessor(out)])
    with trace("console", group_id="g1") as t, agent_span("Triage") as a:
        with handoff_span("Triage", "Support"):
            pass
        with pytest.raises(ValueError), custom_span("step", data={"secret": "s3cr3t"}) as c:
            raise ValueError("broke")
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert re.fullmatch(
        rf'\[otel-agents\] span handoff "Triage -> Support" \d+\.\d{{3}}s span_[0-9a-f]{{16}} '
        rf"parent={a.span_id} trace={t.trace_id}",
        lines[0],
    )
    assert lines[1].endswith(" error=ValueError: broke")
    assert 'span custom "step" ' in lines[1] and c.span_id in lines[1]
    assert re.fullmatch(
        rf'\[otel-agents\] span agent "Triage" \d+\.\d{{3}}s {a.span_id} parent=- trace=\S+',
        lines[2],
    )
    assert re.fullmatch(
        rf'\[otel-agents\] trace "console" \d+\.\d{{3}}s {t.trace_id} group=g1', lines[3]
    )
    assert "s3cr3t" not in out.getvalue()  # span data content is never printed


def test_console_defaults_to_the_current_stdout(
    recorder: RecordingProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    set_trace_processors([ConsoleSpanProcessor()])
    with trace("stdout"):
        pass
    assert capsys.readouterr().out.startswith('[otel-agents] trace "stdout" ')


def test_jsonl_round_trip(recorder: RecordingProcessor, tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    jsonl = JsonlFileProcessor(path)
    set_trace_processors([jsonl, recorder])
    try:
        with trace("jsonl", group_id="g", metadata={"user_id": "u_42"}), agent_span("A"):
            with function_span("lookup", input='{"id": 1}') as f:
                f.span_data.output = {"price": Decimal("1.50")}  # not JSON: written as str()
            with custom_span("ünïcode", data={"n": 1}):
                pass
        flush_traces()
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    finally:
        jsonl.shutdown()

    exported_spans = [span.export() for span in recorder.spans]
    exported_trace = recorder.traces[0].export()
    by_id = {line["id"]: line for line in lines}
    assert len(lines) == 4
    assert lines[-1] == exported_trace  # the trace ends last
    assert exported_trace["metadata"] == {"user_id": "u_42"}
    for span in exported_spans:
        if span["span_data"]["type"] == "function":
            span["span_data"]["output"] = {"price": "1.50"}
        assert by_id[span["id"]] == span


def test_jsonl_appends_and_ignores_items_after_shutdown(
    recorder: RecordingProcessor, tmp_path: Path
) -> None:
    path = tmp_path / "traces.jsonl"
    path.write_text('{"existing": true}\n')
    jsonl = JsonlFileProcessor(path)
    with trace("t") as t:
        pass
    jsonl.on_trace_end(t)
    jsonl.shutdown()
    jsonl.shutdown()
    jsonl.force_flush()
    jsonl.on_trace_end(t)  # ignored after shutdown, without raising
    lines = path.read_text().splitlines()
    assert json.loads(lines[0]) == {"existing": True}
    assert [json.loads(line)["object"] for line in lines[1:]] == ["trace"]


def test_jsonl_bad_path_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        JsonlFileProcessor(tmp_path / "missing-dir" / "traces.jsonl")


class _GatedFile:
    """Stands in for the writer's file: `write` blocks until the test opens the gate."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.entered = threading.Event()
        self.gate = threading.Event()

    def write(self, text: str) -> int:
        self.entered.set()
        assert self.gate.wait(timeout=10), "test never opened the gate"
        return int(self.real.write(text))

    def flush(self) -> None:
        self.real.flush()

    def close(self) -> None:
        self.real.close()


def test_jsonl_never_blocks_the_caller_and_counts_drops(
    recorder: RecordingProcessor, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "traces.jsonl"
    jsonl = JsonlFileProcessor(path, max_queue_size=2)
    gated = _GatedFile(jsonl._file)
    jsonl._file = gated  # type: ignore[assignment]
    try:
        with trace("busy") as t:
            pass
        jsonl.on_trace_end(t)  # the writer takes it and blocks in write()
        assert gated.entered.wait(timeout=10)
        with caplog.at_level(logging.WARNING, logger="otel_agents.tracing"):
            for _ in range(5):  # returns at once although the writer is stuck
                jsonl.on_trace_end(t)
        assert jsonl.dropped == 3
        assert len(caplog.records) == 1 and str(path) in caplog.records[0].getMessage()
        gated.gate.set()
        jsonl.force_flush()
        assert len(path.read_text().splitlines()) == 3
    finally:
        gated.gate.set()
        jsonl.shutdown()
