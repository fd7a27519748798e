"""The provider: disabled paths (global, env, per trace, per span), defaults, ids, exit flush."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import otel_agents.otel
from otel_agents.exceptions import UserError
from otel_agents.tracing import (
    DISABLED_ENV,
    NoOpSpan,
    NoOpTrace,
    TraceProvider,
    agent_span,
    custom_span,
    get_current_trace,
    get_trace_provider,
    set_trace_provider,
    set_tracing_disabled,
    trace,
)
from support.tracing_recorder import RecordingProcessor


@pytest.fixture
def fresh_provider() -> Iterator[None]:
    """Let a test install its own global provider; the previous one comes back afterwards."""
    previous = get_trace_provider()
    yield
    set_trace_provider(previous)


def test_disabled_globally_gives_no_ops_and_no_callbacks(recorder: RecordingProcessor) -> None:
    set_tracing_disabled(True)
    with trace("off") as t, agent_span("A") as a, custom_span("c") as c:
        assert isinstance(t, NoOpTrace)
        assert get_current_trace() is t  # a runner sees a trace and does not open its own
        assert isinstance(a, NoOpSpan) and isinstance(c, NoOpSpan)
    assert recorder.events == []


def test_disabled_per_trace(recorder: RecordingProcessor) -> None:
    with trace("off", disabled=True) as t, agent_span("A") as a:
        assert isinstance(t, NoOpTrace)
        assert isinstance(a, NoOpSpan)
    with trace("on") as on:
        assert not isinstance(on, NoOpTrace)
    assert recorder.traces == [on]


def test_disabled_per_span_silences_its_subtree_only(recorder: RecordingProcessor) -> None:
    with trace("partial"), agent_span("A"):
        with custom_span("hidden", disabled=True) as hidden, custom_span("under-hidden") as under:
            assert isinstance(hidden, NoOpSpan) and isinstance(under, NoOpSpan)
        with custom_span("shown"):
            pass
    assert recorder.tree() == {
        "type": "trace",
        "name": "partial",
        "children": [
            {"type": "agent", "name": "A", "children": [{"type": "custom", "name": "shown"}]}
        ],
    }


@pytest.mark.parametrize(
    ("value", "disabled"),
    [
        ("true", True),
        ("1", True),
        ("yes", True),
        (" TRUE ", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("", False),
    ],
    ids=["true", "1", "yes", "upper-spaces", "false", "0", "no", "empty"],
)
def test_env_var_switches_tracing(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    value: str,
    disabled: bool,
) -> None:
    monkeypatch.setenv(DISABLED_ENV, value)
    assert TraceProvider().disabled is disabled
    assert caplog.records == []


def test_env_var_invalid_value_warns_once_and_keeps_tracing_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(DISABLED_ENV, "maybe")
    provider = TraceProvider()
    assert provider.disabled is False
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert DISABLED_ENV in message and "'maybe'" in message
    assert all(word in message for word in ("true", "1", "yes", "false", "0", "no"))


def test_env_var_disables_the_global_provider(
    monkeypatch: pytest.MonkeyPatch, fresh_provider: None
) -> None:
    monkeypatch.setenv(DISABLED_ENV, "true")
    set_trace_provider(TraceProvider())
    recorder = RecordingProcessor()
    get_trace_provider().set_processors([recorder])
    with trace("env-off") as t:
        assert isinstance(t, NoOpTrace)
    set_tracing_disabled(False)  # the switch overrides the environment
    with trace("env-overridden") as t:
        assert not isinstance(t, NoOpTrace)
    assert [t.name for t in recorder.traces] == ["env-overridden"]


def test_user_trace_id_is_kept(recorder: RecordingProcessor) -> None:
    with trace("mine", trace_id="trace_" + "ab" * 16) as t:
        pass
    assert t.trace_id == "trace_" + "ab" * 16


@pytest.mark.parametrize(
    "odd",
    ["abc", "trace_123", "trace_" + "AB" * 16, "span_" + "a" * 32, "trace_" + "0" * 32],
    ids=["no-prefix", "short", "uppercase", "wrong-prefix", "all-zero"],
)
def test_any_user_trace_id_is_kept_as_the_sdk_does(recorder: RecordingProcessor, odd: str) -> None:
    with trace("odd", trace_id=odd) as t, custom_span("step", span_id="my-step") as step:
        pass
    assert t.trace_id == odd
    assert step.trace_id == odd and step.span_id == "my-step"


def test_a_trace_id_that_is_not_a_string_is_a_user_error(recorder: RecordingProcessor) -> None:
    with pytest.raises(UserError, match="Invalid trace_id 123"):
        trace("bad", trace_id=123)  # type: ignore[arg-type]


def test_default_processor_is_built_lazily_and_comes_first(
    monkeypatch: pytest.MonkeyPatch, fresh_provider: None
) -> None:
    default = RecordingProcessor()
    built: list[int] = []

    def default_processor() -> RecordingProcessor:
        built.append(1)
        return default

    monkeypatch.setattr(otel_agents.otel, "default_processor", default_processor, raising=False)
    set_trace_provider(TraceProvider(disabled=False))
    assert built == []
    with trace("first"):
        pass
    assert built == [1]
    mine = RecordingProcessor()
    get_trace_provider().add_processor(mine)  # "Traces go to all registered processors"
    with trace("second"):
        pass
    assert built == [1]
    assert get_trace_provider().processors == (default, mine)
    assert [t.name for t in default.traces] == ["first", "second"]
    assert [t.name for t in mine.traces] == ["second"]


def test_adding_a_processor_first_still_keeps_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default, mine = RecordingProcessor(), RecordingProcessor()
    monkeypatch.setattr(otel_agents.otel, "default_processor", lambda: default, raising=False)
    provider = TraceProvider(disabled=False)
    provider.add_processor(mine)
    assert provider.processors == (default, mine)


def test_disabled_tracing_never_builds_the_default(
    monkeypatch: pytest.MonkeyPatch, fresh_provider: None
) -> None:
    def default_processor() -> None:
        raise AssertionError("built while disabled")

    monkeypatch.setattr(otel_agents.otel, "default_processor", default_processor, raising=False)
    set_trace_provider(TraceProvider(disabled=True))
    with trace("off"), custom_span("c"):
        pass


def test_set_processors_replaces_the_default_before_it_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def default_processor() -> None:
        raise AssertionError("a replaced default must not be built")

    monkeypatch.setattr(otel_agents.otel, "default_processor", default_processor, raising=False)
    provider = TraceProvider(disabled=False)
    mine = RecordingProcessor()
    provider.set_processors([mine])
    assert provider.processors == (mine,)


@pytest.mark.parametrize("hook", ["missing", "returns-none"], ids=["missing", "returns-none"])
def test_no_hook_means_no_default(monkeypatch: pytest.MonkeyPatch, hook: str) -> None:
    if hook == "missing":
        monkeypatch.delattr(otel_agents.otel, "default_processor", raising=False)
    else:
        monkeypatch.setattr(otel_agents.otel, "default_processor", lambda: None, raising=False)
    assert TraceProvider(disabled=False).processors == ()


def test_a_failing_hook_warns_and_tracing_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def default_processor() -> None:
        raise RuntimeError("bad OTEL_* configuration")

    monkeypatch.setattr(otel_agents.otel, "default_processor", default_processor, raising=False)
    assert TraceProvider(disabled=False).processors == ()
    [record] = caplog.records
    assert record.levelno == logging.WARNING and "default tracing processor" in record.message


def test_snapshot_and_restore(recorder: RecordingProcessor) -> None:
    provider = get_trace_provider()
    state = provider.snapshot()
    provider.set_processors([])
    provider.set_disabled(True)
    provider.restore(state)
    assert provider.processors == (recorder,)
    assert provider.disabled is False


def test_exit_flushes_and_shuts_down_the_processors(tmp_path: Path) -> None:
    out = tmp_path / "traces.jsonl"
    script = textwrap.dedent(
        f"""
        from otel_agents.tracing import JsonlFileProcessor, custom_span, set_trace_processors, trace

        set_trace_processors([JsonlFileProcessor({str(out)!r})])
        with trace("at-exit"), custom_span("c"):
            pass
        # no flush_traces(): the provider's atexit hook must write everything
        """
    )
    subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        timeout=60,
        env={**os.environ, DISABLED_ENV: "false"},
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["object"] for line in lines] == ["trace.span", "trace"]
