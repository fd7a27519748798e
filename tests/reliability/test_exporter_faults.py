"""A broken collector never breaks, slows or changes a run; what it costs is bounded and counted.

Real OTLP/HTTP exporter, real batch processor, real local receiver misbehaving on demand:
refused connections, a receiver that hangs, 503/429 with Retry-After, connections dropped
mid-request, and the collector coming back.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from time import perf_counter
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_agents import Runner
from otel_agents.otel import setup
from otel_agents.tracing import get_trace_provider
from support.otlp_receiver import OTLPReceiver, ReceivedPoint

from ._support import DROPPED, Pipeline, otlp_trace_pipeline, poll, simple_agent
from .conftest import Bridge

RUNS = 60  # x 2 spans (agent, chat) = 120 spans, well over the queue below
SPANS_PER_RUN = 2  # one agent on its own: its invoke_agent root and one model call
QUEUE, BATCH = 64, 16
EXPORT_TIMEOUT_S = 5  # what a run would wait per export if it ever waited on the exporter


def closed_port_endpoint() -> str:
    """An endpoint nobody listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


FAULTS = ["refused", "hang", "503-retry-after", "429-retry-after", "drop-connection"]


def broken_collector(fault: str, receiver: OTLPReceiver) -> str:
    """Makes the collector misbehave as `fault` says, for good; returns the endpoint to use."""
    if fault == "refused":
        return closed_port_endpoint()
    if fault == "hang":
        receiver.hang()
    elif fault == "drop-connection":
        receiver.drop_connection()
    else:  # Retry-After longer than the export timeout: the exporter gives the batch up
        receiver.fail(int(fault[:3]), retry_after=30)
    return receiver.http_endpoint


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small queue and short delays, read by the SDK when a pipeline is built."""
    monkeypatch.setenv("OTEL_BSP_MAX_QUEUE_SIZE", str(QUEUE))
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", str(BATCH))
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "20")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", str(EXPORT_TIMEOUT_S))


@pytest.fixture
def export_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Thread ids of every OTLP span export call, in call order."""
    calls: list[int] = []
    original = OTLPSpanExporter.export

    def recording(self: OTLPSpanExporter, spans: Any) -> Any:
        calls.append(threading.get_ident())
        return original(self, spans)

    monkeypatch.setattr(OTLPSpanExporter, "export", recording)
    return calls


async def timed_runs(
    n: int, after_each: Callable[[], None] = lambda: None
) -> tuple[list[Any], list[float]]:
    outputs, times = [], []
    for i in range(n):
        started = perf_counter()
        result = await Runner.run(simple_agent(f"reply {i}"), f"question {i}")
        times.append(perf_counter() - started)
        outputs.append(result.final_output)
        after_each()
    return outputs, times


def drop_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "otel_agents.otel" and "dropped" in r.getMessage()
    ]


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("fault", FAULTS)
async def test_a_broken_collector_never_slows_or_changes_runs_and_drops_are_counted(
    fault: str,
    otlp_receiver: OTLPReceiver,
    bridge: Bridge,
    pipeline: Pipeline,
    export_threads: list[int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    otlp = otlp_trace_pipeline(broken_collector(fault, otlp_receiver), pipeline.meter_provider)
    try:
        get_trace_provider().set_disabled(True)
        expected, baseline = await timed_runs(RUNS)

        bridge(tracer_provider=otlp.tracer_provider)
        queue: list[int] = []
        outputs, times = await timed_runs(RUNS, lambda: queue.append(otlp.queue_length()))

        assert outputs == expected
        # Never waiting on the exporter: not one run near the export timeout, and the whole
        # series within a generous bound of the same series with tracing off.
        assert max(times) < 1.0, f"slowest run {max(times):.2f}s"
        assert sum(times) < 3 * sum(baseline) + 1.0, (sum(times), sum(baseline))
        poll(lambda: bool(export_threads), what="an export attempt")
        assert threading.get_ident() not in export_threads, "exported on the event loop thread"
        # Bounded queue, every overflow counted, one log line for all of them.
        produced = len(otlp.produced.get_finished_spans())
        assert produced == SPANS_PER_RUN * RUNS
        assert otlp.max_queue_size() == QUEUE and max(queue) <= QUEUE
        poll(lambda: pipeline.dropped() >= produced - QUEUE - BATCH, what="drops counted")
        assert len(drop_lines(caplog)) == 1, drop_lines(caplog)
        assert "otel_agents.telemetry.dropped" in drop_lines(caplog)[0]
        assert not [r for r in caplog.records if "Queue full" in r.getMessage()]
    finally:
        otlp_receiver.heal()
        otlp.close()


def wire_dropped(points: list[ReceivedPoint]) -> int:
    """The latest cumulative `otel_agents.telemetry.dropped` for spans seen on the wire."""
    values = [
        int(p.value or 0)
        for p in points
        if p.metric == DROPPED and p.attributes.get("otel_agents.signal") == "spans"
    ]
    return max(values, default=0)


@pytest.mark.usefixtures("small_batches")
async def test_when_the_collector_comes_back_what_was_queued_is_delivered_and_drops_reported(
    otlp_receiver: OTLPReceiver,
    bridge: Bridge,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The providers otel-agents builds from OTEL_* settings: traces and metrics over OTLP/HTTP.
    monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", "100")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "30")  # the outage outlasts no request
    caplog.set_level(logging.WARNING)
    settings = setup.read_settings(endpoint=otlp_receiver.http_endpoint)
    tracer_provider, meter_provider = setup.build_providers(
        settings, endpoint=otlp_receiver.http_endpoint
    )
    assert tracer_provider is not None and meter_provider is not None
    produced = InMemorySpanExporter()
    tracer_provider.add_span_processor(SimpleSpanProcessor(produced))
    bridge(tracer_provider=tracer_provider, meter_provider=meter_provider)
    try:
        otlp_receiver.hang()
        outputs, _ = await timed_runs(RUNS)
        assert outputs == [f"reply {i}" for i in range(RUNS)]
        otlp_receiver.wait_for_requests(1)  # the collector holds what it got; the rest queues
        assert otlp_receiver.spans == []

        otlp_receiver.heal()
        made = {s.context.span_id for s in produced.get_finished_spans()}
        assert len(made) == SPANS_PER_RUN * RUNS
        # Every span is either delivered or counted as dropped (the count travels as a metric).
        otlp_receiver.wait_for_points(
            lambda points: len(otlp_receiver.spans) + wire_dropped(points) == len(made),
            timeout=15,
        )
        delivered = [int(s.span_id, 16) for s in otlp_receiver.spans]
        assert len(delivered) == len(set(delivered)) and set(delivered) <= made
        assert len(delivered) >= QUEUE, "the queue held during the outage was not delivered"
        assert wire_dropped(otlp_receiver.points) > 0
        assert len(drop_lines(caplog)) == 1, drop_lines(caplog)
    finally:
        otlp_receiver.heal()
        setup.shutdown_within([tracer_provider, meter_provider], 5.0)


@pytest.mark.parametrize(
    ("fault", "retry_after"),
    [("503", 0.2), ("429", 0.2), ("drop-once", None)],
    ids=["503-retry-after", "429-retry-after", "connection-dropped-once"],
)
async def test_a_transient_fault_is_retried_and_nothing_is_lost(
    otlp_receiver: OTLPReceiver,
    bridge: Bridge,
    pipeline: Pipeline,
    fault: str,
    retry_after: float | None,
) -> None:
    if retry_after is None:
        otlp_receiver.drop_connection(times=1)
    else:
        otlp_receiver.fail(int(fault), retry_after=retry_after, times=2)
    otlp = otlp_trace_pipeline(otlp_receiver.http_endpoint, pipeline.meter_provider)
    try:
        bridge(tracer_provider=otlp.tracer_provider)
        outputs, _ = await timed_runs(10)
        assert outputs == [f"reply {i}" for i in range(10)]
        otlp.batch.force_flush()  # the test waits here (a worker thread would in production)
        spans = otlp_receiver.wait_for_spans(count=10 * SPANS_PER_RUN)
        assert sorted(s.name for s in spans) == sorted(
            s.name for s in otlp.produced.get_finished_spans()
        )
        assert pipeline.dropped() == 0
        assert len(otlp_receiver.requests) > 1  # it did fail first
    finally:
        otlp.close()


async def test_retry_after_is_honoured_between_attempts(
    otlp_receiver: OTLPReceiver, bridge: Bridge, pipeline: Pipeline
) -> None:
    otlp_receiver.fail(503, retry_after=0.3, times=1)
    otlp = otlp_trace_pipeline(otlp_receiver.http_endpoint, pipeline.meter_provider)
    try:
        bridge(tracer_provider=otlp.tracer_provider)
        await Runner.run(simple_agent(), "hi")
        flusher = threading.Thread(target=otlp.batch.force_flush, daemon=True)
        flusher.start()
        otlp_receiver.wait_for_requests(1)
        refused_at = time.monotonic()
        otlp_receiver.wait_for_spans(count=SPANS_PER_RUN)
        assert time.monotonic() - refused_at >= 0.25
        flusher.join(5)
    finally:
        otlp.close()
