"""`otel-agents run app.py:agent "input"`: a user's agent with the demo's display."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from otel_agents.cli import main

from .conftest import Captured

APP = '''
from otel_agents import Agent, function_tool
from otel_agents.models import ScriptedModel, call_tool, fail
from openai import APIConnectionError

@function_tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: The city.
    """
    return f"Sunny in {city}"

agent = Agent(
    name="Weather bot",
    instructions="Answer weather questions with get_weather.",
    tools=[get_weather],
    model=ScriptedModel([call_tool("get_weather", {"city": "Paris"}), "It is sunny in Paris."]),
)
helper = Agent(name="Helper", model=ScriptedModel([fail(ValueError("model exploded"))]))
unconfigured = Agent(name="Plain")
not_an_agent = "hello"
'''


@pytest.fixture
def app(tmp_path: Path) -> Path:
    path = tmp_path / "weather_app.py"
    path.write_text(textwrap.dedent(APP))
    return path


@pytest.mark.parametrize("suffix", [":agent", ""], ids=["explicit", "default-attribute"])
def test_run_streams_a_users_agent_and_shows_its_trace(
    app: Path, suffix: str, out: Captured
) -> None:
    assert main(["run", f"{app}{suffix}", "Weather in Paris?"], console=out.console) == 0
    text = out.text
    assert "› Weather in Paris?" in text
    conversation = text.split("\nTrace ", 1)[0]
    assert "[Using tool: get_weather]" in conversation
    assert "It is sunny in Paris." in conversation
    assert "[Completed by Weather bot]" in conversation
    tree = text.split("\nTrace ", 1)[1]
    assert "agent Weather bot" in tree and "function get_weather" in tree
    assert "Telemetry: spans and metrics went nowhere" in text


def test_a_failed_run_exits_1_with_the_error_in_the_tree(app: Path, out: Captured) -> None:
    assert main(["run", f"{app}:helper", "Hi", "--no-stream"], console=out.console) == 1
    assert "[Failed: model exploded]" in out.text
    assert "✗ ValueError: model exploded" in out.text.split("\nTrace ", 1)[1]


def test_jsonl_option_writes_the_spans(app: Path, out: Captured, tmp_path: Path) -> None:
    jsonl = tmp_path / "spans.jsonl"
    assert main(["run", str(app), "Hi", "--jsonl", str(jsonl)], console=out.console) == 0
    objects = [line.split('"object": "', 1)[1].split('"', 1)[0] for line in jsonl.open()]
    assert sorted(set(objects)) == ["trace", "trace.span"]
    assert f"spans also written to {jsonl}" in out.text


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing.py:agent", "missing.py: no such file"),
        (
            "{app}:nope",
            "has no attribute 'nope'; agents defined there: agent, helper, unconfigured",
        ),
        ("{app}:not_an_agent", ":not_an_agent is a str, not an otel_agents.Agent"),
        ("{broken}:agent", "failed: NameError: name 'undefined_name' is not defined"),
        ("{app}:unconfigured", "No OpenAI API key: set OPENAI_API_KEY"),
    ],
    ids=["missing-file", "missing-attribute", "not-an-agent", "import-error", "no-api-key"],
)
def test_bad_targets_are_one_line_and_exit_code_2(
    target: str,
    message: str,
    app: Path,
    tmp_path: Path,
    out: Captured,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("from otel_agents import Agent\nagent = Agent(name=undefined_name)\n")
    target = target.format(app=app, broken=broken)
    assert main(["run", target, "Hi"], console=out.console) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err + out.text
    assert "[Failed" not in out.text
