"""Credentials in the OTEL_* configuration never reach anything printed or logged, and a malformed
OTLP URL is one clear line (exit 2 from the CLI, one log line from a script), never a traceback.

Real processes: the `otel-agents` CLI and a user's script (`user_script.py`) in subprocesses, with
a real OTLP receiver where a collector is needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.slow  # one CLI or script process per case

SCRIPT = Path(__file__).with_name("user_script.py")
SECRET = "sk-SECRET-0123456789"


def run(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "OTEL_"))}
    return subprocess.run(
        argv, env={**clean, "COLUMNS": "200", **env}, capture_output=True, text=True, timeout=60
    )


CLI = [sys.executable, "-m", "otel_agents"]
COMMANDS = {"doctor": [*CLI, "doctor"], "demo": [*CLI, "demo", "--chunk-delay", "0"]}


@pytest.mark.parametrize("command", ["doctor", "demo"])
def test_userinfo_in_the_endpoint_is_never_printed(
    otlp_receiver: OTLPReceiver, command: str
) -> None:
    endpoint = otlp_receiver.http_endpoint.replace("http://", f"http://user:{SECRET}@")
    done = run(COMMANDS[command], OTEL_EXPORTER_OTLP_ENDPOINT=endpoint)
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert "***@127.0.0.1" in done.stdout  # where it goes is still shown


MALFORMED_HEADERS = f"x-tenant=acme,Authorization: Bearer {SECRET}"


@pytest.mark.parametrize("command", ["doctor", "demo"])
def test_a_malformed_headers_value_is_described_by_its_keys_only(command: str) -> None:
    done = run(
        COMMANDS[command],
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318",
        OTEL_EXPORTER_OTLP_HEADERS=MALFORMED_HEADERS,
    )
    assert done.returncode == 2
    assert SECRET not in done.stdout + done.stderr
    assert "OTEL_EXPORTER_OTLP_HEADERS is malformed" in done.stderr
    assert "x-tenant" in done.stderr and "key=value" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_script_logs_one_line_for_malformed_headers_without_the_secret() -> None:
    done = run(
        [sys.executable, str(SCRIPT)],
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318",
        OTEL_EXPORTER_OTLP_HEADERS=MALFORMED_HEADERS,
    )
    assert done.returncode == 0 and done.stdout == "reply 0\n", done.stderr
    assert SECRET not in done.stderr
    assert [line for line in done.stderr.splitlines() if line.strip()] == [
        line
        for line in done.stderr.splitlines()
        if "OTEL_EXPORTER_OTLP_HEADERS is malformed" in line
    ]


BAD_URLS = [
    pytest.param("http://[bad", "Invalid IPv6 URL", id="bracket"),
    pytest.param("http://localhost:99999", "Port out of range", id="port-range"),
    pytest.param(f"http://user:{SECRET}@[bad", "Invalid IPv6 URL", id="bracket-with-userinfo"),
]


@pytest.mark.parametrize(("url", "reason"), BAD_URLS)
@pytest.mark.parametrize("command", ["doctor", "demo"])
def test_a_malformed_url_is_one_line_and_exit_2_in_the_cli(
    command: str, url: str, reason: str
) -> None:
    done = run(COMMANDS[command], OTEL_EXPORTER_OTLP_ENDPOINT=url)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "OTEL_EXPORTER_OTLP_ENDPOINT" in lines[0] and reason in lines[0]
    assert SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize(("url", "reason"), BAD_URLS)
@pytest.mark.parametrize(
    "variable", ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"]
)
def test_a_malformed_url_is_one_log_line_in_a_script(variable: str, url: str, reason: str) -> None:
    done = run([sys.executable, str(SCRIPT)], **{variable: url})
    assert done.returncode == 0 and done.stdout == "reply 0\n", done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and variable in lines[0] and reason in lines[0], done.stderr
    assert SECRET not in done.stderr
