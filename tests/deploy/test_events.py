"""The event catalogue (tests/deploy/_events.py) matches the log records the bridge emits.

The LogQL checks (test_loki.py) trust the catalogue for "every event name, field and value a
panel filters on is one our records carry"; these tests keep it honest, in both profiles: the
workload's scenarios (a tripped guardrail, a failing model call, ...) run through the real
runner and bridge with an SDK LoggerProvider, and every record of a catalogued event carries
only catalogued attributes and values, plus the trace and span ids the Loki datasource links
to Tempo and Jaeger.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider

from otel_agents.otel import OTelTracingProcessor
from otel_agents.tracing import get_trace_provider

from ._catalog import PROFILES
from ._events import EVENTS, EVENTS_BY_NAME
from ._workload import one_round


def emitted_records(profile: str) -> list[Any]:
    """The log records one round of the workload emits in `profile`."""
    exporter = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    provider = get_trace_provider()
    state = provider.snapshot()
    provider.set_processors(
        [
            OTelTracingProcessor(
                tracer_provider=TracerProvider(),
                meter_provider=MeterProvider(),
                logger_provider=logger_provider,
                semconv=profile,
            )
        ]
    )
    provider.set_disabled(False)
    try:
        asyncio.run(one_round())
    finally:
        provider.restore(state)
    return [getattr(r, "log_record", r) for r in exporter.get_finished_logs()]


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_catalogued_event_is_emitted_with_catalogued_fields(profile: str) -> None:
    records = emitted_records(profile)
    seen = {r.event_name for r in records}
    assert {e.name for e in EVENTS} <= seen, f"never emitted: { ({e.name for e in EVENTS} - seen) }"
    for record in records:
        event = EVENTS_BY_NAME.get(record.event_name)
        if event is None:
            continue
        attributes = dict(record.attributes or {})
        assert set(attributes) <= event.attributes, (
            f"{event.name}: {set(attributes) - event.attributes} not in the catalogue"
        )
        for key, allowed in event.values.items():
            if key in attributes:
                assert str(attributes[key]) in allowed, (event.name, key, attributes[key])
        # What the Loki datasource's derived fields link on (Loki stores them as hex).
        assert record.trace_id and record.span_id, f"{event.name} without its span's ids"


def test_the_tripped_guardrail_record_is_what_the_panel_counts() -> None:
    tripped = [
        r
        for r in emitted_records("default")
        if r.event_name == "gen_ai.guardrail.result"
        and (r.attributes or {}).get("gen_ai.guardrail.result.value") == "true"
    ]
    assert len(tripped) == 1
    assert tripped[0].attributes["gen_ai.guardrail.component.name"] == "no_secrets"
