"""`otel-agents doctor`: the effective configuration, a real test export, and what to fix."""

from __future__ import annotations

import socket

import pytest

from otel_agents.cli import main
from support.otlp_receiver import OTLPReceiver

from .conftest import Captured

SECRET = "Bearer s3cr3t-value"


def rows(text: str) -> dict[str, str]:
    """The report's "name  value" rows."""
    found = {}
    for line in text.splitlines():
        name, _, value = line.partition("  ")
        if value:
            found[name.strip()] = value.strip()
    return found


def test_no_export_configured_is_reported_with_the_hint(out: Captured) -> None:
    assert main(["doctor"], console=out.console) == 0
    report = rows(out.text)
    assert report["export"].startswith("off")
    assert report["traces"] == "not exported"
    assert report["content capture"] == "NO_CONTENT  (default)"
    assert report["sampler"] == "parentbased_always_on  (default)"
    assert report["service name"] == "otel-agents  (default)"
    assert report["model"].startswith("none: the demo runs offline")
    assert "set OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 (make stack-up)" in out.text
    assert "No problem found" in out.text


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"], ids=["http", "grpc"])
def test_a_reachable_endpoint_gets_one_test_span_and_secrets_stay_hidden(
    protocol: str,
    otlp_receiver: OTLPReceiver,
    out: Captured,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint = otlp_receiver.grpc_endpoint if protocol == "grpc" else otlp_receiver.http_endpoint
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"Authorization={SECRET},x-tenant=acme")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "shop")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    assert main(["doctor"], console=out.console) == 0
    report = rows(out.text)
    assert report["export"].startswith("on")
    assert report["traces"].startswith(f"otlp {protocol} → {endpoint}")
    logs_url = endpoint if protocol == "grpc" else f"{endpoint}/v1/logs"
    assert report["logs (events)"] == f"otlp {protocol} → {logs_url}"
    assert report["OTLP headers"] == "authorization, x-tenant  (values hidden)"
    assert report["service name"] == "shop  (OTEL_SERVICE_NAME)"
    assert report["sampler"] == "parentbased_traceidratio (0.25)  (OTEL_TRACES_SAMPLER)"
    assert report["content capture"].startswith("SPAN_ONLY")
    assert "accepted a test span in" in out.text
    assert "prompts, completions and tool arguments are exported" in out.text
    assert "s3cr3t" not in out.text
    (span,) = otlp_receiver.wait_for_spans(count=1)
    assert span.name == "otel-agents doctor" and span.resource["service.name"] == "shop"
    (request,) = otlp_receiver.requests
    assert request.headers["authorization"] == SECRET  # the real exporter used the env headers


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("status", "fix"),
    [(401, "check the credentials in OTEL_EXPORTER_OTLP_HEADERS"), (404, "check the URL")],
    ids=["unauthorized", "not-found"],
)
def test_a_refused_test_span_says_what_to_fix(
    status: int,
    fix: str,
    otlp_receiver: OTLPReceiver,
    out: Captured,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp_receiver.http_endpoint)
    otlp_receiver.fail(status)
    assert main(["doctor"], console=out.console) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"code: {status}" in err and fix in err
    assert "Traceback" not in err + out.text


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:{closed}"}, "nothing answers at"),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}, "use 4318 for http/protobuf"),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318/v1/traces"},
            "drop the suffix (http://127.0.0.1:4318)",
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
                "OTEL_TRACES_SAMPLER": "always_off",
            },
            "drops every span",
        ),
        ({"OTEL_METRICS_EXPORTER": "statsd"}, "statsd not supported"),
        ({"OTEL_BSP_MAX_QUEUE_SIZE": "-3"}, "OTEL_BSP_MAX_QUEUE_SIZE='-3' is not valid"),
        (
            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"},
            "between 0 and 1",
        ),
    ],
    ids=[
        "unreachable",
        "grpc-port-for-http",
        "signal-path-in-base-url",
        "sampler-drops-all",
        "unknown-exporter",
        "bad-number",
        "bad-ratio",
    ],
)
def test_problems_are_one_line_and_exit_code_2(
    env: dict[str, str],
    message: str,
    out: Captured,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed = str(_closed_port())
    for name, value in env.items():
        monkeypatch.setenv(name, value.replace("{closed}", closed))
    assert main(["doctor", "--timeout", "1"], console=out.console) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in err + out.text


def test_a_separate_logs_endpoint_is_checked_and_a_dead_one_named(
    otlp_receiver: OTLPReceiver, out: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp_receiver.http_endpoint)
    dead = f"http://127.0.0.1:{_closed_port()}/v1/logs"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", dead)
    assert main(["doctor"], console=out.console) == 2
    assert rows(out.text)["logs (events)"] == f"otlp http/protobuf → {dead}"
    assert f"✗ {dead} nothing answers" in out.text
    out.buffer.truncate(0)
    monkeypatch.setenv("OTEL_LOGS_EXPORTER", "none")  # the way to run without the events
    assert main(["doctor"], console=out.console) == 0
    assert rows(out.text)["logs (events)"] == "none"
