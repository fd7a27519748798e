"""Fixtures for the CLI tests: a clean environment and a captured rich console."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from rich.console import Console

from otel_agents.tracing import get_trace_provider


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No OpenAI or OTEL_* variable from the developer's shell: the demo runs offline, no export.

    The trace provider's processors are restored afterwards, so a CLI test never leaves one
    registered for the next test.
    """
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "OTEL_")):
            monkeypatch.delenv(name)
    provider = get_trace_provider()
    saved = provider.snapshot()
    yield
    provider.restore(saved)


@dataclass
class Captured:
    """A console writing to memory: pass `.console` to `main(...)`, read `.text`."""

    console: Console
    buffer: io.StringIO

    @property
    def text(self) -> str:
        return self.buffer.getvalue()


@pytest.fixture
def out() -> Captured:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, color_system=None, width=100)
    return Captured(console, buffer)
