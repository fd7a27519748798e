"""Every example of the seed chapter runs with `agents` replaced by `otel_agents`, nothing else.

The examples are read from the chapter itself (tests/seed/, a copy of the shared seed), so an edit
to an example here is impossible. They use the default OpenAI provider, pointed by environment
variables at the local OpenAI-compatible server, through the real `openai` client, on both APIs.
Fragments that use a `result` or an `agent` they do not define get them from the test, and are
compiled with top-level await, as a notebook would run them.
"""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from otel_agents import Agent, Runner, function_tool, trace
from otel_agents.models.scripted import call_tool, transfer_to
from otel_agents.tracing import JsonlFileProcessor, TracingProcessor
from support.fake_openai import FakeOpenAI
from support.tracing_recorder import RecordingProcessor

SEED = Path(__file__).parent / "seed" / "streaming-and-tracing.md"
BLOCKS = re.findall(r"```python\n(.*?)```", SEED.read_text(), re.S)


def example(index: int) -> str:
    """The seed's example number `index`, with only the import changed."""
    return BLOCKS[index].replace("from agents", "from otel_agents")


def run_example(index: int, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": f"seed_example_{index}", **(namespace or {})}
    code = compile(
        example(index), f"<seed example {index}>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    )
    result = eval(code, ns)
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    return ns


@pytest.fixture(params=["responses", "chat_completions"])
def server(
    request: pytest.FixtureRequest, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> FakeOpenAI:
    for key, value in fake_openai.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("OTEL_AGENTS_OPENAI_API", request.param)
    return fake_openai


STORY = "The robot dipped its brush in blue and, for the first time, painted the sky."


def test_seed_examples_are_all_covered() -> None:
    assert len(BLOCKS) == 12
    assert all("from agents" in block for block in BLOCKS)


def test_stream_response(
    server: FakeOpenAI, recorder: RecordingProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script([STORY])
    run_example(0)
    out = capsys.readouterr().out
    assert out.startswith(STORY + "\n")
    assert "[Handled by: Storyteller]" in out
    assert server.requests[0].body["stream"] is True
    recorder.assert_well_formed()


@function_tool
def reset_password(email: str) -> str:
    """Sends a reset link.

    Args:
        email: The user's email.
    """
    return f"Reset link sent to {email}."


def streamed_result_namespace() -> dict[str, Any]:
    specialist = Agent(name="Accounts", instructions="Fix accounts.", tools=[reset_password])
    triage = Agent(name="Triage", instructions="Route.", handoffs=[specialist])
    return {"result": Runner.run_streamed(triage, input="Reset my password")}


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        pytest.param(1, [], id="raw-events"),
        pytest.param(
            2,
            ["[Calling tool: reset_password]", "[Tool result received]", "[Agent message]"],
            id="item-events",
        ),
        pytest.param(
            3,
            ["[Handoff: now talking to Triage]", "[Handoff: now talking to Accounts]"],
            id="agent-events",
        ),
    ],
)
def test_event_type_fragments(
    index: int,
    expected: list[str],
    server: FakeOpenAI,
    recorder: RecordingProcessor,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.script(
        [
            transfer_to("Accounts"),
            call_tool("reset_password", {"email": "a@b.c"}),
            "Done: check your inbox.",
        ]
    )

    async def main() -> None:
        ns = streamed_result_namespace()
        code = compile(example(index), "<fragment>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        await eval(code, ns)
        assert ns["result"].final_output == "Done: check your inbox."

    asyncio.run(main())
    assert capsys.readouterr().out.splitlines() == expected


def test_chat_ui(
    server: FakeOpenAI, recorder: RecordingProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(["Open Settings, choose Security, then Reset password."])
    run_example(4)
    out = capsys.readouterr().out
    assert "Open Settings, choose Security, then Reset password." in out
    assert out.rstrip().endswith("[Completed by Support]")


def test_trace_configuration(
    server: FakeOpenAI, recorder: RecordingProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script(["Hello! How can I help?"])
    run_example(5)
    assert capsys.readouterr().out == "Hello! How can I help?\n"
    (t,) = recorder.traces
    assert (t.name, t.group_id, t.metadata) == (
        "customer_support",
        "session_abc123",
        {"user_id": "u_42", "channel": "web"},
    )
    assert recorder.tree()["children"][0]["name"] == "Helper"
    recorder.assert_well_formed()


def test_disabling_tracing(server: FakeOpenAI, recorder: RecordingProcessor) -> None:
    server.script(["Hi"])
    ns = run_example(6, {"trace": trace, "Runner": Runner, "agent": Agent(name="Helper")})
    assert ns["result"].final_output == "Hi"
    assert recorder.events == []


class PrometheusProcessor(TracingProcessor):
    """The seed names it without defining it: counts spans by type."""

    def __init__(self) -> None:
        self.spans: dict[str, int] = {}

    def on_trace_start(self, trace: Any) -> None: ...
    def on_trace_end(self, trace: Any) -> None: ...
    def on_span_start(self, span: Any) -> None: ...

    def on_span_end(self, span: Any) -> None:
        self.spans[span.span_type] = self.spans.get(span.span_type, 0) + 1


def test_custom_and_multi_backend_processors(
    server: FakeOpenAI,
    recorder: RecordingProcessor,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ns = run_example(7)
    prometheus = PrometheusProcessor()

    class FileLogProcessor(JsonlFileProcessor):
        """The seed names it without defining it: a JSONL file, kept under tmp_path here."""

        def __init__(self, path: str) -> None:
            super().__init__(tmp_path / Path(path).name)

    run_example(
        8,
        {
            "DatadogProcessor": ns["DatadogProcessor"],
            "PrometheusProcessor": lambda: prometheus,
            "FileLogProcessor": FileLogProcessor,
        },
    )
    server.script(["Hello"])
    Runner.run_sync(Agent(name="Helper", instructions="Be helpful."), "Hi")
    from otel_agents import flush_traces

    flush_traces()
    out = capsys.readouterr().out.splitlines()
    started = [line for line in out if line.startswith("[Datadog] Trace started: trace_")]
    # Example 7 and example 8 each added a DatadogProcessor: both see the run.
    assert len(started) == 2
    assert sum("Span ended" in line for line in out) == 4
    assert all(
        re.fullmatch(r"\[Datadog\] Span ended: span_[0-9a-f]{16} \(\d+\.\d\ds\)", line)
        for line in out
        if "Span ended" in line
    )
    assert prometheus.spans == {"generation": 1, "agent": 1}
    # One line for the trace, one per span.
    assert len((tmp_path / "traces.jsonl").read_text().splitlines()) == 3


def test_custom_span_inside_a_tool(server: FakeOpenAI, recorder: RecordingProcessor) -> None:
    ns = run_example(9)
    server.script(
        [call_tool("process_document", {"document_id": "doc-7"}), "Document doc-7 is processed."]
    )
    result = Runner.run_sync(ns["agent"], "Process doc-7")
    assert result.new_items[1].output == "Document doc-7 processed successfully."
    agent_node = recorder.tree()["children"][0]
    function_node = next(c for c in agent_node["children"] if c["type"] == "function")
    assert function_node["children"] == [{"type": "custom", "name": "document_processing"}]
    (custom,) = recorder.spans_of_type("custom")
    assert custom.span_data.data == {"document_id": "doc-7"}
    assert custom.ended_at - custom.started_at >= 0.5
    recorder.assert_well_formed()


def test_streaming_and_tracing_together(
    server: FakeOpenAI, recorder: RecordingProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Quantum computers use qubits that can be zero and one at once."
    server.script([text])
    run_example(10)
    out = capsys.readouterr().out
    assert out.startswith(text)
    assert f"[Tokens streamed: {len(text.split())}]" in out
    (t,) = recorder.traces
    assert (t.name, t.group_id) == ("chat_session", "session_123")


def test_debugging_with_traces(
    server: FakeOpenAI, recorder: RecordingProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script([call_tool("flaky_tool", {"query": "AI news"}), "Here is the AI news."])
    run_example(11)
    assert capsys.readouterr().out == "Here is the AI news.\n"
    (function,) = recorder.spans_of_type("function")
    # Whichever way the coin fell, the tool's failure (if any) is on its span, not the run.
    assert function.error is None or function.error.type == "ValueError"


def test_debugging_with_traces_max_turns(
    server: FakeOpenAI, recorder: RecordingProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    server.script([call_tool("flaky_tool", {"query": "AI news"})] * 5)
    run_example(11)
    assert (
        capsys.readouterr().out
        == "Agent exceeded max turns - check trace for tool failure pattern\n"
    )
    (agent_span,) = recorder.spans_of_type("agent")
    assert agent_span.error is not None and agent_span.error.type.endswith("MaxTurnsExceeded")
    assert agent_span.span_data.run_outcome == "max_turns"
