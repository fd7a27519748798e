"""`otel-agents view` on files that are not what it expects: content of the wrong shape is one
line and exit code 2; a last line cut by a killed writer is skipped and reported while the rest
is shown; a 5,000-deep parent chain is shown without recursion; memory stays within about twice
the file's size. Files are written by a real `JsonlFileProcessor` (from the demo and real runs).
"""

from __future__ import annotations

import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from otel_agents import Agent, Runner, function_tool
from otel_agents.cli import main
from otel_agents.models import ScriptedModel, call_tool
from otel_agents.tracing import JsonlFileProcessor, set_trace_processors

from .conftest import Captured


def demo_file(tmp_path: Path, out: Captured) -> Path:
    jsonl = tmp_path / "traces.jsonl"
    argv = ["demo", "--scenario", "support", "--chunk-delay", "0", "--jsonl", str(jsonl)]
    assert main(argv, console=out.console) == 0
    out.buffer.seek(0)
    out.buffer.truncate()
    return jsonl


def a_span(line: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(line)
    return record


def set_field(record: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for name in parents:
        record = record[name]
    record[last] = value


BAD_FIELDS = {
    # field path in a generation span -> the value of the wrong type
    "span_data": "a string",
    "error": "a string",
    "start_time_ns": "1700000000",
    "end_time_ns": 1.5,
    "span_data.usage.input_tokens": "12",
    "span_data.usage": [1, 2],
    "span_data.model": {"name": "x"},
    "parent_id": 42,
    "trace_id": None,  # shown as a trace of its own: allowed
}


@pytest.mark.parametrize("path", list(BAD_FIELDS))
def test_a_field_of_the_wrong_type_is_one_line_and_exit_code_2(
    path: str, tmp_path: Path, out: Captured, capsys: pytest.CaptureFixture[str]
) -> None:
    jsonl = demo_file(tmp_path, out)
    lines = jsonl.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if '"generation"' in line)
    record = a_span(lines[number])
    record.setdefault("error", None)
    if path == "error":
        record["error"] = BAD_FIELDS[path]
    else:
        set_field(record, path, BAD_FIELDS[path])
    lines[number] = json.dumps(record)
    jsonl.write_text("\n".join(lines) + "\n")
    code = main(["view", str(jsonl)], console=out.console)
    err = capsys.readouterr().err
    if path == "trace_id":
        assert code == 0, err
        return
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert f"{jsonl}:{number + 1}: {path} is not " in err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"object": "trace", "id": "\xff\xfe"}', "is not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "is not JSON"),
        (b'["object", "trace"]', "is not a trace or span written by otel-agents"),
        (b'{"object": "trace.span", "id": "span_1", "trace_id": "t", "sp', "is not JSON"),
    ],
    ids=["not-utf8", "100000-deep", "a-list", "cut-mid-file"],
)
def test_malformed_lines_are_one_line_and_exit_code_2(
    line: bytes,
    message: str,
    tmp_path: Path,
    out: Captured,
    capsys: pytest.CaptureFixture[str],
) -> None:
    jsonl = demo_file(tmp_path, out)
    first, rest = jsonl.read_bytes().split(b"\n", 1)
    jsonl.write_bytes(first + b"\n" + line + b"\n" + rest)
    assert main(["view", str(jsonl)], console=out.console) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {jsonl}:2 ") and err.count("\n") == 1, err
    assert message in err


def test_a_file_whose_last_line_is_cut_shows_every_complete_line_and_says_so(
    tmp_path: Path, out: Captured
) -> None:
    jsonl = demo_file(tmp_path, out)
    assert main(["view", str(jsonl)], console=out.console) == 0
    whole = out.text
    out.buffer.seek(0)
    out.buffer.truncate()
    data = jsonl.read_bytes()
    count = data.count(b"\n")
    # A killed writer: one more line, cut in the middle.
    jsonl.write_bytes(data + data.split(b"\n")[0][:40])
    assert main(["view", str(jsonl)], console=out.console) == 0
    assert out.text.startswith(whole)
    assert f"{jsonl}:{count + 1} was cut short" in out.text


def test_a_5000_deep_chain_is_shown_without_recursion(tmp_path: Path, out: Captured) -> None:
    jsonl = tmp_path / "deep.jsonl"
    trace = {"object": "trace", "id": "trace_1", "workflow_name": "deep",
             "start_time_ns": 0, "end_time_ns": 10_000}  # fmt: skip
    lines = [json.dumps(trace)]
    for i in range(5000):
        lines.append(json.dumps({"object": "trace.span", "id": f"span_{i}", "trace_id": "trace_1",
                                 "parent_id": f"span_{i - 1}" if i else None, "start_time_ns": i,
                                 "end_time_ns": i + 1, "error": None,
                                 "span_data": {"type": "custom", "name": f"step{i}"}}))  # fmt: skip
    jsonl.write_text("\n".join(lines) + "\n")
    assert main(["view", str(jsonl)], console=out.console) == 0
    text = out.text
    assert "custom step0" in text and "custom step4999" in text
    assert "(depth 5000)" in text
    assert all(f"step{i} " in text for i in range(5000))


@function_tool
def lookup(query: str) -> str:
    """Looks something up.

    Args:
        query: What to look up.
    """
    return "result " * 20


@pytest.mark.parametrize("content", [True, False], ids=["with-content", "without-content"])
def test_view_stays_within_about_twice_the_file_size_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bool
) -> None:
    monkeypatch.setenv("OTEL_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA", str(content).lower())
    jsonl = tmp_path / "many.jsonl"
    processor = JsonlFileProcessor(jsonl)
    set_trace_processors([processor])
    reply = " ".join(f"word{j}" for j in range(40))
    for _ in range(300):
        steps = [call_tool("lookup", {"query": "q"}), reply]
        agent = Agent(name="Looker", tools=[lookup], model=ScriptedModel(steps))
        Runner.run_sync(agent, "tell me about " + "x" * 200)
    processor.shutdown()
    set_trace_processors([])
    size = jsonl.stat().st_size
    with open(os.devnull, "w") as null:
        tracemalloc.start()
        try:
            assert main(["view", str(jsonl)], console=Console(file=null, width=100)) == 0
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # Measured: 1.4x with content, 2.0x without (spans of ~600 bytes; rich's caches included).
    assert peak <= 2.2 * size, (peak, size)
