"""Invalid OTEL_* values: the user's script still runs to the end and exits cleanly, and the
mistake is reported naming the variable or the value, never as a traceback.

Every case is a subprocess running `user_script.py` configured by the environment alone; they
are started together (one receiver for all, each tagged by a resource attribute) because an
interpreter start costs about a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from support.otlp_receiver import OTLPReceiver

from .test_exit import OUTPUT, RUNS, SCRIPT, SPANS_PER_RUN


@dataclass(frozen=True)
class Case:
    env: dict[str, str]
    named: str  # must appear in stderr: the variable or the bad value
    exported: bool  # whether the runs still reach the collector


CASES: dict[str, Case] = {
    "queue-size-not-a-number": Case(
        {"OTEL_BSP_MAX_QUEUE_SIZE": "lots"}, "OTEL_BSP_MAX_QUEUE_SIZE", False
    ),
    "protocol-http-json": Case(
        {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, "OTEL_EXPORTER_OTLP_PROTOCOL", False
    ),
    "capture-mode-typo": Case(
        {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "maybe"},
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
        True,
    ),
    "tracing-disabled-typo": Case(
        {"OTEL_AGENTS_TRACING_DISABLED": "perhaps"}, "OTEL_AGENTS_TRACING_DISABLED", True
    ),
    "sampler-unknown": Case({"OTEL_TRACES_SAMPLER": "sometimes"}, "sometimes", True),
    # The SDK reads these two when it is imported; the bridge cannot load, the run goes on.
    "span-attribute-count-limit": Case(
        {"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "many"}, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", False
    ),
    "propagator-unknown": Case({"OTEL_PROPAGATORS": "bogus"}, "bogus", True),
    "export-timeout-nan": Case(
        {"OTEL_EXPORTER_OTLP_TIMEOUT": "nan"}, "OTEL_EXPORTER_OTLP_TIMEOUT", False
    ),
    "shutdown-timeout-inf": Case(
        {"OTEL_AGENTS_SHUTDOWN_TIMEOUT": "inf"}, "OTEL_AGENTS_SHUTDOWN_TIMEOUT", False
    ),
    "service-name-not-utf8": Case({"OTEL_SERVICE_NAME": "\udcff"}, "", True),  # bytes b"\xff"
}

# About a second of CPU per case: the fast tier keeps the cases that once crashed the script;
# the rest is also checked in-process by tests/otel (test_setup.py, test_capture.py).
SLOW = pytest.mark.slow
MARKS = {
    "export-timeout-nan": SLOW,
    "shutdown-timeout-inf": SLOW,
    "service-name-not-utf8": SLOW,
    "queue-size-not-a-number": SLOW,
    "protocol-http-json": SLOW,
    "tracing-disabled-typo": SLOW,
    "sampler-unknown": SLOW,
}


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest) -> Iterator[tuple[dict[str, Outcome], OTLPReceiver]]:
    """Runs every selected case at once against one receiver; each tags its spans `case=<id>`."""
    selected = {
        item.callspec.params["name"]
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec")
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    with OTLPReceiver(grpc_server=False) as receiver:
        running = {}
        for name, case in CASES.items():
            if name not in selected:
                continue
            env = {
                **base,
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.http_endpoint,
                "OTEL_RESOURCE_ATTRIBUTES": f"case={name}",
                "OTEL_AGENTS_SHUTDOWN_TIMEOUT": "5",
                **case.env,
            }
            running[name] = subprocess.Popen(
                [sys.executable, str(SCRIPT), str(RUNS)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
            )
        done = {}
        for name, process in running.items():
            out, err = process.communicate(timeout=60)
            done[name] = Outcome(process.returncode, out, err)
        yield done, receiver


@pytest.mark.parametrize("name", [pytest.param(n, marks=MARKS.get(n, ()), id=n) for n in CASES])
def test_an_invalid_otel_value_never_breaks_the_script(
    outcomes: tuple[dict[str, Outcome], OTLPReceiver], name: str
) -> None:
    done, receiver = outcomes
    case, outcome = CASES[name], done[name]
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout == OUTPUT, outcome.stderr
    assert case.named in outcome.stderr
    assert "Traceback" not in outcome.stderr, outcome.stderr
    if case.exported:
        receiver.wait_for_spans(
            lambda spans: sum(s.resource.get("case") == name for s in spans) == SPANS_PER_RUN * RUNS
        )
