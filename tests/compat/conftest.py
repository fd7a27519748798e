"""Fixtures for the compatibility tests: the upstream SDK's tracing off (it would try to export
to OpenAI), restored afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from agents import set_trace_processors
from agents.tracing import get_trace_provider


@pytest.fixture(autouse=True)
def sdk_tracing_off() -> Iterator[None]:
    provider = get_trace_provider()
    processors = list(provider._multi_processor._processors)
    set_trace_processors([])
    yield
    set_trace_processors(processors)
