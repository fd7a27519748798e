"""Content capture opt-in parsing, and the bounds on what we export."""

from __future__ import annotations

import json
import logging

import pytest

from otel_agents.otel import capture
from otel_agents.otel.capture import CaptureMode, clean_str, parse_capture_mode, to_json

VAR = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


@pytest.mark.parametrize(
    ("raw", "mode"),
    [
        pytest.param(None, CaptureMode.NO_CONTENT, id="unset"),
        pytest.param("", CaptureMode.NO_CONTENT, id="empty"),
        pytest.param("NO_CONTENT", CaptureMode.NO_CONTENT, id="no-content"),
        pytest.param("span_only", CaptureMode.SPAN_ONLY, id="span-only-lowercase"),
        pytest.param(" Event_Only ", CaptureMode.EVENT_ONLY, id="event-only-mixed-case"),
        pytest.param("SPAN_AND_EVENT", CaptureMode.SPAN_AND_EVENT, id="span-and-event"),
        pytest.param("true", CaptureMode.SPAN_ONLY, id="true"),
        pytest.param("FALSE", CaptureMode.NO_CONTENT, id="false"),
    ],
)
def test_valid_values(raw: str | None, mode: CaptureMode) -> None:
    assert parse_capture_mode(raw) is mode


def test_invalid_value_warns_once_naming_variable_value_and_choices(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capture, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="otel_agents.otel"):
        assert parse_capture_mode("yes please") is CaptureMode.NO_CONTENT
        assert parse_capture_mode("yes please") is CaptureMode.NO_CONTENT
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    for expected in (
        VAR,
        "'yes please'",
        "NO_CONTENT",
        "SPAN_ONLY",
        "EVENT_ONLY",
        "SPAN_AND_EVENT",
    ):
        assert expected in text


def test_processor_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VAR, "SPAN_AND_EVENT")
    assert capture.resolve_capture_mode(None) is CaptureMode.SPAN_AND_EVENT
    assert capture.resolve_capture_mode(False) is CaptureMode.NO_CONTENT
    assert capture.resolve_capture_mode(True) is CaptureMode.SPAN_ONLY
    assert capture.resolve_capture_mode("event_only") is CaptureMode.EVENT_ONLY


def test_mode_flags() -> None:
    assert [(m.enabled, m.on_span, m.on_event) for m in CaptureMode] == [
        (False, False, False),
        (True, True, False),
        (True, False, True),
        (True, True, True),
    ]


def test_lone_surrogates_become_replacement_characters() -> None:
    cleaned = clean_str("ok \ud800 end")
    cleaned.encode("utf-8")
    assert cleaned == "ok \ufffd end"
    assert clean_str("plain é") == "plain é"


@pytest.mark.parametrize("limit", [40, 100, 1000], ids=["tiny", "small", "large"])
def test_to_json_is_bounded_and_valid_when_possible(limit: int) -> None:
    value = {"messages": [{"role": "user", "content": "y" * 5000}], "n": 1}
    text = to_json(value, limit)
    assert len(text) <= limit
    if limit >= 100:
        assert json.loads(text)["n"] == 1
