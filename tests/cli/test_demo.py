"""`otel-agents demo`: the streamed conversation, the trace tree, the summary, and bad input."""

from __future__ import annotations

import socket

import pytest

from otel_agents.cli import main
from otel_agents.demo.scenarios import SCENARIOS
from support.fake_openai import FakeOpenAI

from .conftest import Captured

FAST = ["--chunk-delay", "0"]


def transcript(text: str) -> str:
    """The conversation part of the demo's output: after the input line, before the tree."""
    return text.split("› ", 1)[1].split("\nTrace ", 1)[0]


def test_support_demo_streams_the_conversation_then_shows_the_trace(out: Captured) -> None:
    assert main(["demo", *FAST], console=out.console) == 0
    text = out.text
    conversation = transcript(text)
    expected_in_order = [
        "Thanks for reaching out",
        "[Transferred to Support specialist]",
        "[Using tool: lookup_order]",
        "I found order A1042",
        "[Completed by Support specialist]",
    ]
    positions = [conversation.index(piece) for piece in expected_in_order]
    assert positions == sorted(positions)
    tree = text.split("\nTrace ", 1)[1]
    for line in (
        "Customer support",
        "agent Triage",
        "guardrail no_card_numbers",
        "passed",
        "generation scripted-model",
        "handoff Triage → Support specialist",
        "agent Support specialist",
        "function lookup_order",
        "custom order_db.query",
    ):
        assert line in tree
    # Token usage on the trace and on each model call: 3 calls of the scripted model.
    assert " tokens (" in tree and tree.count("→") == 4  # 3 generations + 1 handoff arrow
    assert text.rstrip().endswith(
        "set OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 (make stack-up) to see this run in "
        "Jaeger/Grafana."
    )


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=list(SCENARIOS))
def test_every_scenario_prints_the_same_transcript_streamed_or_not(
    scenario: str, out: Captured
) -> None:
    assert main(["demo", "--scenario", scenario, *FAST], console=out.console) == 0
    streamed = out.text
    out.buffer.seek(0)
    out.buffer.truncate()
    assert main(["demo", "--scenario", scenario, "--no-stream"], console=out.console) == 0
    assert transcript(out.text) == transcript(streamed)
    last_agent = SCENARIOS[scenario].build()
    assert "[Completed by" in transcript(streamed)
    assert f"Trace {SCENARIOS[scenario].workflow_name}" in streamed
    assert last_agent.name in streamed


def test_flaky_tool_error_goes_back_to_the_model_and_shows_in_the_tree(out: Captured) -> None:
    assert main(["demo", "--scenario", "flaky", *FAST], console=out.console) == 0
    conversation = transcript(out.text)
    assert conversation.count("[Using tool: check_inventory]") == 2
    assert "[Tool failed: inventory service unavailable (HTTP 503), try again]" in conversation
    tree = out.text.split("\nTrace ", 1)[1]
    assert "1 error" in tree.splitlines()[0]
    assert "✗ ConnectionError: inventory service unavailable" in tree


def test_many_runs_print_a_summary_not_trees(out: Captured) -> None:
    assert main(["demo", "--runs", "6", *FAST], console=out.console) == 0
    text = out.text
    assert "6 runs" in text
    workflows = ("Customer support", "Research brief", "Inventory check")
    rows = {
        " ".join(line.split()[:2]): line.split()
        for line in text.splitlines()
        if line.strip().startswith(workflows)
    }
    assert sorted(rows) == ["Customer support", "Inventory check", "Research brief"]
    for row in rows.values():
        assert row[2:4] == ["2", "0"]  # 2 runs each, none failed
    assert rows["Inventory check"][-1] == "2"  # one failed tool call per flaky run, recovered
    assert "agent Triage" not in text and "› " not in text


@pytest.mark.parametrize("with_key", [True, False], ids=["api-key", "base-url-only"])
def test_a_real_model_is_used_when_openai_is_configured(
    with_key: bool, out: Captured, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in fake_openai.env().items():
        if with_key or name != "OPENAI_API_KEY":
            monkeypatch.setenv(name, value)
    fake_openai.script(SCENARIOS["support"].script())
    assert main(["demo", "--model", "gpt-test"], console=out.console) == 0
    bodies = fake_openai.bodies("/responses")
    assert [b["model"] for b in bodies] == ["gpt-test"] * 3
    expected_key = "sk-test-secret" if with_key else "local"
    assert fake_openai.requests[0].headers["authorization"] == f"Bearer {expected_key}"
    assert "front desk of Acme" in bodies[0]["instructions"]
    assert {t["name"] for t in bodies[1]["tools"]} == {"lookup_order"}
    assert f"gpt-test via {fake_openai.base_url}" in out.text
    assert "[Completed by Support specialist]" in out.text


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["demo", "--scenario", "nope"], {}, "invalid choice: 'nope' (choose from 'support'"),
        (["demo", "--runs", "0"], {}, "'0' is not a positive integer"),
        (["demo", "--model", "gpt-4.1"], {}, "--model gpt-4.1 needs OPENAI_API_KEY"),
        (["demo", "--model", "x", "--offline"], {}, "not allowed with argument"),
        ([], {}, "the following arguments are required: command"),
        (
            ["demo"],
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
            "OTEL_EXPORTER_OTLP_PROTOCOL='http/json' is not supported",
        ),
        (
            ["demo"],
            {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "yes please"},
            "is not valid: use one of NO_CONTENT, SPAN_ONLY",
        ),
        (["demo"], {"OTEL_TRACES_SAMPLER": "sometimes"}, "is not a built-in sampler"),
        (["demo"], {"OTEL_AGENTS_TRACING_DISABLED": "maybe"}, "use true to disable tracing"),
        (["demo"], {"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"}, "not a valid OTLP endpoint"),
        (
            ["demo"],
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:{closed}"},
            "nothing answers at 127.0.0.1:",
        ),
        (["demo", "--jsonl", "{tmp}"], {}, "choose another --jsonl path"),
    ],
    ids=[
        "unknown-scenario",
        "zero-runs",
        "model-without-key",
        "model-and-offline",
        "no-command",
        "bad-protocol",
        "bad-capture-mode",
        "bad-sampler",
        "bad-tracing-switch",
        "endpoint-without-scheme",
        "unreachable-endpoint",
        "unwritable-jsonl",
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    argv: list[str],
    env: dict[str, str],
    message: str,
    out: Captured,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: object,
) -> None:
    closed = str(_closed_port())
    for name, value in env.items():
        monkeypatch.setenv(name, value.replace("{closed}", closed))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv, console=out.console) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err + out.text
    assert "› " not in out.text  # nothing ran


def test_help_exits_0(out: Captured, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--help"], console=out.console) == 0
    assert "--scenario {support,research,flaky}" in capsys.readouterr().out
