"""Fixtures for the reliability suite: a clean OTEL_* environment, in-memory pipelines, and the
bridge installed as a trace processor (the global trace provider is restored afterwards).

The bridge runs in production mode here (no OTEL_AGENTS_STRICT): these tests check what users
get when something goes wrong. Whatever goes wrong, the bridge itself must not fail: every test
fails if it logged an internal error, or if the tracing fan-out caught a processor raising,
unless the test asks for `allow_processor_errors`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from otel_agents.otel import OTelTracingProcessor
from otel_agents.tracing import TracingProcessor, get_trace_provider

from ._support import Pipeline

Bridge = Callable[..., OTelTracingProcessor]


@pytest.fixture(autouse=True)
def clean_otel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OTEL_* variable from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("OTEL_"):
            monkeypatch.delenv(name)


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    """In-memory tracer and meter providers (passed to the bridge; globals untouched)."""
    made = Pipeline.create()
    yield made
    made.shutdown()


@pytest.fixture
def bridge(pipeline: Pipeline) -> Iterator[Bridge]:
    """`bridge(*others, **kwargs)`: the bridge on `pipeline` (kwargs override), then `others`,
    become the only trace processors, tracing on; the previous state is restored afterwards."""
    provider = get_trace_provider()
    state = provider.snapshot()

    def install(*others: TracingProcessor, **kwargs: Any) -> OTelTracingProcessor:
        kwargs.setdefault("tracer_provider", pipeline.tracer_provider)
        kwargs.setdefault("meter_provider", pipeline.meter_provider)
        processor = OTelTracingProcessor(**kwargs)
        provider.set_processors([processor, *others])
        provider.set_disabled(False)
        return processor

    yield install
    provider.restore(state)


@pytest.fixture
def allow_processor_errors() -> None:
    """Marks a test whose processors are meant to raise (see `no_processor_errors`)."""


@pytest.fixture(autouse=True)
def no_processor_errors(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fails the test if the bridge logged an internal error or a processor raised."""
    yield
    if "allow_processor_errors" in request.fixturenames or request.node.get_closest_marker("xfail"):
        return  # expected, or a known defect its test already pins
    errors = [
        r.getMessage()
        for r in caplog.get_records("call")
        if r.name.startswith("otel_agents")
        and ("internal error" in r.getMessage() or " raised in " in r.getMessage())
    ]
    assert errors == [], "the tracing pipeline reported errors"
