"""The OpenAI Agents SDK's environment variables are honoured beside ours, with the SDK's parsing:
`OPENAI_AGENTS_DISABLE_TRACING` and `OPENAI_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA`."""

from __future__ import annotations

import agents
import pytest
from agents.tracing.provider import DefaultTraceProvider

import otel_agents
from otel_agents.tracing import DISABLED_ENV, TraceProvider


@pytest.mark.parametrize("value", ["true", "1", "TRUE", "false", "0", "", "yes"])
def test_sdk_disable_tracing_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.delenv(DISABLED_ENV, raising=False)
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", value)
    sdk = DefaultTraceProvider()
    sdk._refresh_disabled_flag()  # the SDK reads the variable lazily
    assert TraceProvider().disabled is sdk._disabled


def test_either_variable_disables_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_AGENTS_DISABLE_TRACING", "1")
    monkeypatch.setenv(DISABLED_ENV, "false")
    assert TraceProvider().disabled is True


@pytest.mark.parametrize(
    ("ours", "sdks", "expected"),
    [
        (None, "false", False),
        (None, "0", False),
        (None, "true", True),
        (None, None, True),
        ("true", "false", True),  # ours wins when both are set
        ("false", None, False),
    ],
)
def test_sensitive_data_default(
    monkeypatch: pytest.MonkeyPatch, ours: str | None, sdks: str | None, expected: bool
) -> None:
    for name, value in (
        ("OTEL_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA", ours),
        ("OPENAI_AGENTS_TRACE_INCLUDE_SENSITIVE_DATA", sdks),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert otel_agents.RunConfig().trace_include_sensitive_data is expected
    if ours is None:  # the SDK reads only its own variable
        assert agents.RunConfig().trace_include_sensitive_data is expected
