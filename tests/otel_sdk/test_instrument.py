"""`instrument_openai_agents()` and the `opentelemetry-instrument` entry point on the SDK."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import agents as sdk
import pytest
from agents.tracing import get_trace_provider as get_sdk_provider
from agents.tracing.processors import BackendSpanExporter, BatchTraceProcessor

from otel._trees import Pipeline
from otel_agents.otel import OtelAgentsInstrumentor, OTelTracingProcessor, instrument_openai_agents
from otel_agents.otel.openai_agents_instrument import _active, _registered
from otel_agents.tracing import get_trace_provider

from .scenarios import Options, run_sdk


class Recorder(sdk.TracingProcessor):
    """A processor the app registered itself."""

    def __init__(self) -> None:
        self.spans = 0

    def on_trace_start(self, trace: Any) -> None:
        pass

    def on_trace_end(self, trace: Any) -> None:
        pass

    def on_span_start(self, span: Any) -> None:
        pass

    def on_span_end(self, span: Any) -> None:
        self.spans += 1

    def shutdown(self) -> None:
        pass

    def force_flush(self) -> None:
        pass


@pytest.fixture
def openai_exporter(sdk_state: None) -> Iterator[BatchTraceProcessor]:
    """The SDK's processors as the SDK starts: its OpenAI exporter (never started here)."""
    for handle in list(_active):  # left by another test (e.g. an instrumentor never undone)
        handle.uninstrument()
    exporter = BatchTraceProcessor(BackendSpanExporter(api_key="sk-never-used"))
    sdk.set_trace_processors([exporter])
    yield exporter
    for handle in list(_active):
        handle.uninstrument()


def processors() -> tuple[Any, ...]:
    found = _registered(get_sdk_provider())
    assert found is not None
    return found


def info_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "otel_agents.otel" and r.levelno == logging.INFO
    ]


async def test_replaces_the_openai_exporter_says_so_and_undoes_it(
    openai_exporter: BatchTraceProcessor, pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    mine = Recorder()
    sdk.add_trace_processor(mine)
    handle = instrument_openai_agents(
        tracer_provider=pipeline.tracer_provider, meter_provider=pipeline.meter_provider
    )
    assert processors() == (mine, handle.processor)
    assert handle.removed == (openai_exporter,)
    assert info_lines(caplog) == [
        "otel-agents: OpenAI Agents SDK traces now go to OpenTelemetry: replaced the SDK's "
        "OpenAI trace exporter (pass replace_openai_exporter=False to keep it)"
    ]
    await run_sdk(Options())
    assert pipeline.span("invoke_agent Support") is not None
    assert mine.spans > 0
    assert openai_exporter._queue.qsize() == 0  # nothing went to OpenAI's backend
    later = Recorder()
    sdk.add_trace_processor(later)
    handle.uninstrument()
    handle.uninstrument()
    assert processors() == (openai_exporter, mine, later)
    assert not handle.active


def test_keeps_the_openai_exporter_when_asked_and_says_so(
    openai_exporter: BatchTraceProcessor, pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with instrument_openai_agents(
        replace_openai_exporter=False, tracer_provider=pipeline.tracer_provider
    ) as handle:
        assert processors() == (openai_exporter, handle.processor)
        assert handle.removed == ()
    assert processors() == (openai_exporter,)
    assert info_lines(caplog)[0] == (
        "otel-agents: OpenAI Agents SDK traces now go to OpenTelemetry: added; the SDK's OpenAI "
        "trace exporter is kept and still sends traces to OpenAI (it needs OPENAI_API_KEY)"
    )


def test_a_second_call_changes_nothing(
    openai_exporter: BatchTraceProcessor, pipeline: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    first = instrument_openai_agents(tracer_provider=pipeline.tracer_provider)
    second = instrument_openai_agents(tracer_provider=pipeline.tracer_provider)
    assert second is first
    assert processors() == (first.processor,)
    assert info_lines(caplog)[-1] == (
        "otel-agents: the OpenAI Agents SDK is already instrumented; unchanged"
    )


def test_content_capture_is_passed_on(
    openai_exporter: BatchTraceProcessor, pipeline: Pipeline
) -> None:
    handle = instrument_openai_agents(tracer_provider=pipeline.tracer_provider)
    assert handle.processor is not None
    assert not handle.processor.capture_mode.enabled
    handle.uninstrument()
    handle = instrument_openai_agents(
        tracer_provider=pipeline.tracer_provider, capture_content="SPAN_ONLY"
    )
    assert handle.processor is not None
    assert handle.processor.capture_mode.on_span


def test_otel_sdk_disabled_registers_nothing(
    openai_exporter: BatchTraceProcessor,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    handle = instrument_openai_agents()
    assert handle.processor is None
    assert not handle.active
    assert processors() == (openai_exporter,)
    assert "OTEL_SDK_DISABLED" in info_lines(caplog)[0]


def test_the_instrumentor_entry_point_instruments_the_sdk_too(
    openai_exporter: BatchTraceProcessor, pipeline: Pipeline
) -> None:
    provider = get_trace_provider()
    state = provider.snapshot()
    instrumentor = OtelAgentsInstrumentor()
    instrumentor.uninstrument()  # the instrumentor is a singleton other tests may have used
    try:
        instrumentor.instrument(tracer_provider=pipeline.tracer_provider)
        registered = processors()
        assert len(registered) == 1
        assert isinstance(registered[0], OTelTracingProcessor)
        instrumentor.uninstrument()
        assert processors() == (openai_exporter,)
    finally:
        provider.restore(state)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


def test_the_bridge_does_not_import_the_sdk_and_works_without_it() -> None:
    done = _python(
        "import sys\n"
        "import otel_agents.otel as bridge\n"
        "from otel_agents.exceptions import UserError\n"
        "assert 'agents' not in sys.modules, 'imported agents'\n"
        "sys.modules['agents'] = None  # as if openai-agents were not installed\n"
        "try:\n"
        "    bridge.instrument_openai_agents()\n"
        "except UserError as error:\n"
        "    print(error)\n"
    )
    assert done.returncode == 0, done.stderr
    assert "pip install 'otel-agents[openai-agents]'" in done.stdout
