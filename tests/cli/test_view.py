"""`otel-agents view traces.jsonl`: the demo's tree, rebuilt from a JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from otel_agents.cli import main

from .conftest import Captured


def tree_part(text: str) -> str:
    """From the trace title to before the telemetry line."""
    return "Trace " + text.split("\nTrace ", 1)[1].split("\nTelemetry:", 1)[0]


@pytest.mark.parametrize("scenario", ["support", "flaky"], ids=["support", "flaky"])
def test_view_shows_the_tree_the_demo_showed(scenario: str, tmp_path: Path, out: Captured) -> None:
    jsonl = tmp_path / "traces.jsonl"
    argv = ["demo", "--scenario", scenario, "--chunk-delay", "0", "--jsonl", str(jsonl)]
    assert main(argv, console=out.console) == 0
    shown_by_demo = tree_part(out.text)
    out.buffer.seek(0)
    out.buffer.truncate()
    assert main(["view", str(jsonl)], console=out.console) == 0
    assert out.text.rstrip("\n") == shown_by_demo.rstrip("\n")
    assert "agent " in out.text and " ms" in out.text


def test_view_shows_every_trace_of_the_file_in_start_order(tmp_path: Path, out: Captured) -> None:
    jsonl = tmp_path / "traces.jsonl"
    for scenario in ("research", "flaky"):
        argv = ["demo", "--scenario", scenario, "--chunk-delay", "0", "--jsonl", str(jsonl)]
        assert main(argv, console=out.console) == 0
    out.buffer.seek(0)
    out.buffer.truncate()
    assert main(["view", str(jsonl)], console=out.console) == 0
    titles = [line.split("  ")[0] for line in out.text.splitlines() if line.startswith("Trace ")]
    assert titles == ["Trace Research brief", "Trace Inventory check"]


def test_view_shows_spans_of_a_trace_that_never_ended(tmp_path: Path, out: Captured) -> None:
    jsonl = tmp_path / "partial.jsonl"
    span = {"object": "trace.span", "id": "span_1", "trace_id": "trace_1", "parent_id": None,
            "start_time_ns": 1_000_000, "end_time_ns": 5_000_000,
            "span_data": {"type": "function", "name": "lookup"}, "error": None}  # fmt: skip
    jsonl.write_text(json.dumps(span) + "\n")
    assert main(["view", str(jsonl)], console=out.console) == 0
    assert "Trace (not recorded)" in out.text
    assert "function lookup  4 ms" in out.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file; write one with JsonlFileProcessor"),
        ("not json\n", ":1 is not JSON"),
        ('{"object": "something else"}\n', ":1 is not a trace or span written by otel-agents"),
        ("", "holds no trace yet"),
    ],
    ids=["missing", "not-json", "not-a-span", "empty"],
)
def test_bad_files_are_one_line_and_exit_code_2(
    content: str | None,
    message: str,
    tmp_path: Path,
    out: Captured,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "traces.jsonl"
    if content is not None:
        path.write_text(content)
    assert main(["view", str(path)], console=out.console) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
