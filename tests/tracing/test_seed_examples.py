"""The seed's tracing examples (tests/seed, "Tracing"), run with `agents` -> `otel_agents.tracing`.

The examples call `Runner.run`, which tests/test_runner.py exercises; here a stand-in
`run_agent` makes the spans a one-turn run makes, so these tests need only the tracing core.
Class and function bodies are the seed's, unchanged.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from otel_agents.tracing import (
    JsonlFileProcessor,
    Span,
    Trace,
    TracingProcessor,
    agent_span,
    custom_span,
    function_span,
    generation_span,
    get_trace_provider,
    set_tracing_disabled,
    trace,
)
from support.tracing_recorder import RecordingProcessor


async def run_agent(name: str) -> str:
    """Stand-in for `Runner.run`: an agent span with one model call."""
    with agent_span(name), generation_span(model="gpt-test"):
        await asyncio.sleep(0)
    return "Hi!"


# --- "Custom trace processors", verbatim ----------------------------------------------------
class DatadogProcessor(TracingProcessor):
    def on_trace_start(self, trace: Trace) -> None:
        print(f"[Datadog] Trace started: {trace.trace_id}")

    def on_span_start(self, span: Span) -> None:
        print(f"[Datadog] Span started: {span.span_id} ({span.span_type})")

    def on_span_end(self, span: Span) -> None:
        duration = span.ended_at - span.started_at
        print(f"[Datadog] Span ended: {span.span_id} ({duration:.2f}s)")

    def on_trace_end(self, trace: Trace) -> None:
        print(f"[Datadog] Trace complete: {trace.trace_id}")


# --- "Multi-backend tracing" names two processors the seed leaves to the reader -------------
class PrometheusProcessor(TracingProcessor):
    """Counts ended spans by type, as a metrics backend would."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def on_trace_start(self, trace: Trace) -> None:
        pass

    def on_trace_end(self, trace: Trace) -> None:
        pass

    def on_span_start(self, span: Span[Any]) -> None:
        pass

    def on_span_end(self, span: Span[Any]) -> None:
        self.counts[span.span_type] = self.counts.get(span.span_type, 0) + 1


class FileLogProcessor(JsonlFileProcessor):
    """The seed's `FileLogProcessor(path=...)`: our JSONL processor under that name."""


def test_datadog_processor(
    recorder: RecordingProcessor, capsys: pytest.CaptureFixture[str]
) -> None:
    from otel_agents.tracing import add_trace_processor

    add_trace_processor(DatadogProcessor())

    async def traced_run() -> None:
        with trace("datadog"):
            await run_agent("Helper")

    asyncio.run(traced_run())
    lines = capsys.readouterr().out.splitlines()
    span = r"span_[0-9a-f]{16}"
    trace_id = r"trace_[0-9a-f]{32}"
    patterns = [
        rf"\[Datadog\] Trace started: {trace_id}",
        rf"\[Datadog\] Span started: {span} \(agent\)",
        rf"\[Datadog\] Span started: {span} \(generation\)",
        rf"\[Datadog\] Span ended: {span} \(\d+\.\d\ds\)",
        rf"\[Datadog\] Span ended: {span} \(\d+\.\d\ds\)",
        rf"\[Datadog\] Trace complete: {trace_id}",
    ]
    assert len(lines) == len(patterns)
    for line, pattern in zip(lines, patterns, strict=True):
        assert re.fullmatch(pattern, line), line
    recorder.assert_well_formed()


async def test_custom_spans(recorder: RecordingProcessor) -> None:
    # The seed's tool body, unchanged; the runner would call it inside its function span.
    async def process_document(document_id: str) -> str:
        """Process a document by ID.

        Args:
            document_id: The ID of the document to process.
        """
        with custom_span(name="document_processing", data={"document_id": document_id}):
            await asyncio.sleep(0.5)  # Simulate work
        return f"Document {document_id} processed successfully."

    with trace("Agent workflow"), agent_span("Doc Processor"), function_span("process_document"):
        result = await process_document("doc_7")

    assert result == "Document doc_7 processed successfully."
    assert recorder.tree()["children"] == [
        {
            "type": "agent",
            "name": "Doc Processor",
            "children": [
                {
                    "type": "function",
                    "name": "process_document",
                    "children": [{"type": "custom", "name": "document_processing"}],
                }
            ],
        }
    ]
    [custom] = recorder.spans_of_type("custom")
    assert custom.span_data.data == {"document_id": "doc_7"}
    assert custom.ended_at - custom.started_at >= 0.5
    recorder.assert_well_formed()


def test_trace_configuration(recorder: RecordingProcessor) -> None:
    async def traced_run() -> None:
        with trace(
            workflow_name="customer_support",
            trace_id=None,  # Auto-generated if None
            group_id="session_abc123",  # Group related traces
            metadata={"user_id": "u_42", "channel": "web"},
            disabled=False,  # Set True to disable tracing
        ):
            result = await run_agent("Helper")
            print(result)

    asyncio.run(traced_run())
    [t] = recorder.traces
    assert (t.name, t.group_id, t.metadata) == (
        "customer_support",
        "session_abc123",
        {"user_id": "u_42", "channel": "web"},
    )
    assert {span.trace_id for span in recorder.spans} == {t.trace_id}
    recorder.assert_well_formed()


async def test_disabling_tracing(recorder: RecordingProcessor) -> None:
    set_tracing_disabled(True)  # globally, e.g. in tests

    with trace(disabled=True):  # or per run
        result = await run_agent("Helper")

    assert result == "Hi!"
    assert recorder.events == []


def test_multi_backend(recorder: RecordingProcessor, tmp_path: Path) -> None:
    from otel_agents.tracing import add_trace_processor

    datadog, prometheus = DatadogProcessor(), PrometheusProcessor()
    file_log = FileLogProcessor(path=tmp_path / "traces.jsonl")
    try:
        # Traces go to all registered processors
        add_trace_processor(datadog)
        add_trace_processor(prometheus)
        add_trace_processor(file_log)

        async def traced_run() -> None:
            with trace("multi"):
                await run_agent("Helper")

        asyncio.run(traced_run())
        file_log.force_flush()
    finally:
        file_log.shutdown()
    assert get_trace_provider().processors == (recorder, datadog, prometheus, file_log)
    assert prometheus.counts == {"agent": 1, "generation": 1}
    lines = (tmp_path / "traces.jsonl").read_text().splitlines()
    assert [json.loads(line)["object"] for line in lines] == ["trace.span", "trace.span", "trace"]
