"""Runs every demo scenario once per profile (plain and streamed) through the real bridge, into
in-memory span, metric and log exporters, and hands the captured telemetry to the tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, Metric
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_agents import RunConfig, Runner
from otel_agents.demo.scenarios import SCENARIOS, DemoContext, Scenario
from otel_agents.models.scripted import ScriptedModel
from otel_agents.otel import OTelTracingProcessor
from otel_agents.tracing import get_trace_provider

PROFILES = ("default", "newest")
GROUP_ID = "conv-semconv-1"
USER_ID = "user-semconv-1"


@dataclass
class Capture:
    """What one run of one scenario produced."""

    profile: str
    scenario: Scenario
    stream: bool
    content: bool
    spans: list[ReadableSpan]
    metrics: list[Metric]
    logs: list[ReadableLogRecord]
    error: str | None

    @property
    def id(self) -> str:
        mode = "stream" if self.stream else "plain"
        return f"{self.profile}-{self.scenario.name}-{mode}" + ("-content" if self.content else "")


def _run(profile: str, scenario: Scenario, stream: bool, content: bool) -> Capture:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    logs = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    processor = OTelTracingProcessor(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        logger_provider=logger_provider,
        capture_content="EVENT_ONLY" if content else None,
        semconv=profile,
    )
    provider = get_trace_provider()
    provider.set_processors([processor])
    provider.set_disabled(False)
    config = RunConfig(
        model=ScriptedModel(scenario.script()),
        workflow_name=scenario.workflow_name,
        group_id=GROUP_ID,
        trace_metadata={"user.id": USER_ID},
    )
    error: str | None = None

    async def go() -> None:
        if stream:
            result = Runner.run_streamed(
                scenario.build(), scenario.input, context=DemoContext(), run_config=config
            )
            async for _ in result.stream_events():
                pass
        else:
            await Runner.run(
                scenario.build(), scenario.input, context=DemoContext(), run_config=config
            )

    try:
        asyncio.run(go())
    except Exception as exc:  # a scenario that fails is still telemetry to check
        error = f"{type(exc).__name__}: {exc}"
    processor.force_flush()
    data = reader.get_metrics_data()
    metrics = [
        m
        for rm in (data.resource_metrics if data else [])
        for sm in rm.scope_metrics
        for m in sm.metrics
    ]
    capture = Capture(
        profile,
        scenario,
        stream,
        content,
        list(spans.get_finished_spans()),
        metrics,
        list(logs.get_finished_logs()),
        error,
    )
    tracer_provider.shutdown()
    meter_provider.shutdown()
    logger_provider.shutdown()
    return capture


@pytest.fixture(scope="package")
def captures() -> Iterator[dict[str, Capture]]:
    """Every (profile, scenario, plain/streamed) run, plus one content-capturing run per profile."""
    provider = get_trace_provider()
    state = provider.snapshot()
    out: dict[str, Capture] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OTEL_AGENTS_STRICT", "1")
        # details events without content: the event is emitted, its content stays opt-in
        mp.setenv("OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT", "true")
        mp.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
        mp.delenv("OTEL_AGENTS_SEMCONV", raising=False)
        try:
            for profile in PROFILES:
                for scenario in SCENARIOS.values():
                    for stream in (False, True):
                        c = _run(profile, scenario, stream, content=False)
                        out[c.id] = c
                c = _run(profile, SCENARIOS["support"], True, content=True)
                out[c.id] = c
        finally:
            provider.restore(state)
    yield out


def capture_ids() -> list[str]:
    ids = [f"{p}-{s}-{m}" for p in PROFILES for s in SCENARIOS for m in ("plain", "stream")]
    return ids + [f"{p}-support-stream-content" for p in PROFILES]


@pytest.fixture(params=capture_ids())
def run(request: pytest.FixtureRequest, captures: dict[str, Capture]) -> Capture:
    """One captured run (all of them, one test each)."""
    return captures[request.param]


OPERATION = "gen_ai.operation.name"


def attrs(obj: Any) -> dict[str, Any]:
    return dict(getattr(obj, "attributes", None) or {})


def gen_ai_spans(run: Capture) -> list[ReadableSpan]:
    """The spans with a `gen_ai.operation.name`: the ones the conventions describe."""
    return [s for s in run.spans if OPERATION in attrs(s)]


def spans_of(run: Capture, operation: str) -> list[ReadableSpan]:
    return [s for s in run.spans if attrs(s).get(OPERATION) == operation]


def metric(run: Capture, name: str) -> Metric | None:
    return next((m for m in run.metrics if m.name == name), None)


def points(m: Metric | None) -> list[Any]:
    return list(m.data.data_points) if m is not None else []


def events(run: Capture) -> list[Any]:
    """The `gen_ai.*` events among the run's log records (API `LogRecord`s)."""
    return [r.log_record for r in run.logs if (r.log_record.event_name or "").startswith("gen_ai.")]
