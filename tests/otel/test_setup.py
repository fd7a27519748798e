"""OTEL_* variables -> providers: validation in-process, the env-only path in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from otel_agents.exceptions import UserError
from otel_agents.otel import OTelTracingProcessor, configure, default_processor, semconv, setup
from otel_agents.tracing import get_trace_provider
from support.otlp_receiver import OTLPReceiver

from . import scenario
from ._trees import assert_snapshot, from_received, tree

SCENARIO = Path(scenario.__file__)
API_KEY = "sk-test-SECRET-API-KEY"
SECRETS = (
    scenario.SECRET_PROMPT,
    scenario.SECRET_ARG,
    scenario.SECRET_RESULT,
    scenario.SECRET_INSTRUCTIONS,
    scenario.SECRET_ERROR,
    scenario.SECRET_CUSTOM,
)
EXPECTED_METRICS = {
    "gen_ai.client.token.usage",
    "gen_ai.client.operation.duration",
    "otel_agents.runs",
    "otel_agents.tool.calls",
    "otel_agents.handoffs",
}


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any OTEL_* variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(OPENAI_API_KEY=API_KEY, **extra)
    return env


def run_script(
    env: dict[str, str], *args: str, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", code] if code else [sys.executable, str(SCENARIO), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


BAD_VALUES = [
    ("traces-exporter", "OTEL_TRACES_EXPORTER", "zipkin", "otlp, console, none"),
    ("metrics-exporter", "OTEL_METRICS_EXPORTER", "otlp,statsd", "prometheus"),
    ("logs-exporter", "OTEL_LOGS_EXPORTER", "loki", "otlp, console, none"),
    ("logs-protocol", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/json", "http/protobuf, grpc"),
    ("logs-endpoint", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "localhost:4318", "http://"),
    ("logs-queue", "OTEL_BLRP_MAX_QUEUE_SIZE", "0", ">= 1"),
    ("json-protocol", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "http/protobuf, grpc"),
    ("signal-protocol", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "udp", "grpc"),
    ("queue-size-text", "OTEL_BSP_MAX_QUEUE_SIZE", "lots", "integer"),
    ("queue-size-zero", "OTEL_BSP_MAX_QUEUE_SIZE", "0", ">= 1"),
    ("interval", "OTEL_METRIC_EXPORT_INTERVAL", "-5", ">= 0"),
    ("endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318", "http://localhost:4318"),
    ("headers", "OTEL_EXPORTER_OTLP_HEADERS", "api-key", "key=value"),
    ("shutdown-timeout", "OTEL_AGENTS_SHUTDOWN_TIMEOUT", "soon", "number"),
]


@pytest.mark.parametrize(
    ("named", "value", "valid"), [pytest.param(*case[1:], id=case[0]) for case in BAD_VALUES]
)
def test_bad_values_name_the_variable_and_the_valid_values(
    named: str, value: str, valid: str
) -> None:
    with pytest.raises(UserError) as caught:
        setup.read_settings({named: value})
    assert named in str(caught.value) and valid in str(caught.value)


def test_valid_settings() -> None:
    assert setup.read_settings({}) == setup.Settings(
        ("otlp",), ("otlp",), "http/protobuf", "http/protobuf", ("otlp",), "http/protobuf"
    )  # the spec's defaults
    env = {
        "OTEL_TRACES_EXPORTER": "console, OTLP",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "localhost:4317",  # host:port is fine for gRPC
        "OTEL_LOGS_EXPORTER": "console",
    }
    expected = setup.Settings(
        ("console", "otlp"), ("none",), "grpc", "http/protobuf", ("console",), "grpc"
    )
    assert setup.read_settings(env) == expected
    with pytest.raises(UserError, match="OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"):
        setup.read_settings({**env, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "localhost:4318"})
    with pytest.raises(UserError, match="OTEL_EXPORTER_OTLP_LOGS_HEADERS"):
        setup.read_settings({**env, "OTEL_EXPORTER_OTLP_LOGS_HEADERS": "api-key"})


def test_setup_is_requested_by_any_trigger_and_disabled_by_the_sdk_switch() -> None:
    assert not setup.setup_requested({})
    for name in setup.TRIGGERS:
        assert setup.setup_requested({name: "x"})
    assert setup.sdk_disabled({"OTEL_SDK_DISABLED": "TRUE"})
    assert not setup.sdk_disabled({"OTEL_SDK_DISABLED": "false"})


def test_default_processor_is_none_when_the_sdk_is_disabled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert default_processor() is None


def test_configure_refuses_to_replace_installed_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(setup, "providers_installed", lambda: True)
    with pytest.raises(UserError, match="already installed"):
        configure(endpoint="http://127.0.0.1:4318")


def test_prometheus_without_its_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.exporter.prometheus", None)
    settings = setup.Settings((), ("prometheus",), "http/protobuf", "http/protobuf")
    with pytest.raises(UserError, match=r"pip install 'otel-agents\[prometheus\]'"):
        setup.build_providers(settings)


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
async def test_explicit_configure_delivers_over_otlp(
    otlp_receiver: OTLPReceiver, protocol: str
) -> None:
    endpoint = otlp_receiver.grpc_endpoint if protocol == "grpc" else otlp_receiver.http_endpoint
    tracer_provider, meter_provider = configure(
        service_name="configured",
        endpoint=endpoint,
        protocol=protocol,
        headers={"x-tenant": "t1"},
        set_global=False,
    )
    assert tracer_provider is not None and meter_provider is not None
    provider = get_trace_provider()
    state = provider.snapshot()
    provider.set_processors([OTelTracingProcessor(tracer_provider, meter_provider)])
    try:
        await scenario.run()
    finally:
        provider.restore(state)
        setup.shutdown_within([tracer_provider, meter_provider], 10.0)
    spans = otlp_receiver.wait_for_spans(count=12)
    assert {s.transport for s in spans} == {protocol.split("/")[0]}
    assert {s.resource["service.name"] for s in spans} == {"configured"}
    assert all(r.headers.get("x-tenant") == "t1" for r in otlp_receiver.requests)
    points = otlp_receiver.wait_for_points(lambda ps: {p.metric for p in ps} >= EXPECTED_METRICS)
    assert {p.resource["service.name"] for p in points} == {"configured"}


@pytest.mark.parametrize(
    ("protocol", "stream"),
    [("http/protobuf", False), ("grpc", False), ("http/protobuf", True)],
    ids=["http", "grpc", "http-streamed"],
)
def test_script_with_only_otel_variables_delivers_the_full_run(
    otlp_receiver: OTLPReceiver, protocol: str, stream: bool
) -> None:
    grpc = protocol == "grpc"
    env = clean_env(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.grpc_endpoint
        if grpc
        else otlp_receiver.http_endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
        OTEL_SERVICE_NAME="support-bot",
        OTEL_RESOURCE_ATTRIBUTES="deployment.environment=test",
    )
    done = run_script(env, *(["--stream"] if stream else []))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Your order has shipped."
    spans = otlp_receiver.wait_for_spans(count=12)
    assert len(spans) == 12
    assert {s.transport for s in spans} == {"grpc" if grpc else "http"}
    assert {s.resource["service.name"] for s in spans} == {"support-bot"}
    assert {s.resource["deployment.environment"] for s in spans} == {"test"}
    assert len({s.trace_id for s in spans}) == 1
    assert_snapshot("scenario_streamed" if stream else "scenario_run", tree(from_received(spans)))
    points = otlp_receiver.wait_for_points(lambda ps: {p.metric for p in ps} >= EXPECTED_METRICS)
    by_metric = {p.metric: p for p in points}
    duration = by_metric["gen_ai.client.operation.duration"]
    assert duration.explicit_bounds == list(semconv.SECONDS_BUCKETS)
    if stream:
        otlp_receiver.wait_for_points(
            lambda ps: (
                {"otel_agents.stream.events", "gen_ai.client.operation.time_to_first_chunk"}
                <= {p.metric for p in ps}
            )
        )
    # Privacy on the wire: no content (capture is off by default), never the API key.
    wire = b"".join(r.payload + repr(r.headers).encode() for r in otlp_receiver.requests)
    for secret in (*SECRETS, API_KEY):
        assert secret.encode() not in wire, secret
    assert not any("authorization" in r.headers for r in otlp_receiver.requests)


def test_content_capture_opt_in_reaches_the_wire(otlp_receiver: OTLPReceiver) -> None:
    env = clean_env(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint,
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="SPAN_ONLY",
    )
    assert run_script(env).returncode == 0
    spans = otlp_receiver.wait_for_spans(count=12)
    chat = [s for s in spans if s.name == "chat support-model"]
    assert any(
        scenario.SECRET_PROMPT in s.attributes.get("gen_ai.input.messages", "") for s in chat
    )
    wire = b"".join(r.payload for r in otlp_receiver.requests)
    assert API_KEY.encode() not in wire


APP_SCRIPT = """
import asyncio, sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
provider = TracerProvider()
exporter = OTLPSpanExporter(endpoint=sys.argv[1] + "/v1/traces")
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
sys.path.insert(0, sys.argv[2])
import scenario
with trace.get_tracer("app").start_as_current_span("POST /chat"):
    asyncio.run(scenario.run())
provider.shutdown()
"""


def test_an_app_with_its_own_provider_gets_one_trace_and_nothing_installed(
    otlp_receiver: OTLPReceiver,
) -> None:
    # The variables point at a port nobody listens on: if otel-agents installed its own
    # providers, spans would be missing here (sent there) and a duplicate pipeline would exist.
    env = clean_env(
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9", OTEL_AGENTS_SHUTDOWN_TIMEOUT="1"
    )
    command = [sys.executable, "-c", APP_SCRIPT, otlp_receiver.http_endpoint, str(SCENARIO.parent)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    spans = otlp_receiver.wait_for_spans(count=13)
    assert len(spans) == 13 and len({s.trace_id for s in spans}) == 1
    app = next(s for s in spans if s.name == "POST /chat")
    workflow = next(s for s in spans if s.name == "invoke_workflow customer_support")
    assert workflow.parent_span_id == app.span_id
    assert "Connection refused" not in done.stderr


@pytest.mark.parametrize(
    ("env", "expect_stderr"),
    [
        pytest.param({"OTEL_SDK_DISABLED": "true"}, "", id="sdk-disabled"),
        pytest.param({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER", id="bad-value"),
    ],
)
def test_env_path_never_breaks_the_run(
    otlp_receiver: OTLPReceiver, env: dict[str, str], expect_stderr: str
) -> None:
    done = run_script(clean_env(OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint, **env))
    assert done.returncode == 0 and done.stdout.strip() == "Your order has shipped."
    assert expect_stderr in done.stderr
    assert otlp_receiver.requests == []


def test_exit_is_bounded_when_the_collector_hangs(otlp_receiver: OTLPReceiver) -> None:
    env = clean_env(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint, OTEL_AGENTS_SHUTDOWN_TIMEOUT="1"
    )
    started = time.monotonic()
    run_script(env)  # with a collector that answers: interpreter start, imports and the run
    healthy = time.monotonic() - started
    otlp_receiver.hang()
    started = time.monotonic()
    done = run_script(env)
    elapsed = time.monotonic() - started
    assert done.returncode == 0 and done.stdout.strip() == "Your order has shipped."
    assert elapsed < healthy + 1 + 2.5, (
        f"exit took {elapsed:.1f}s with a 1 s flush deadline ({healthy:.1f}s when healthy)"
    )
    assert done.stderr.count("did not finish within 1.0 s") == 1, done.stderr
    otlp_receiver.wait_for_requests(1)


LATE_PROVIDER_SCRIPT = """
import sys
from otel_agents.tracing import trace
with trace("before"):  # the bridge is built now, on the API's proxy providers
    pass
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
provider = TracerProvider()
exporter = OTLPSpanExporter(endpoint=sys.argv[1] + "/v1/traces")
provider.add_span_processor(SimpleSpanProcessor(exporter))
otel_trace.set_tracer_provider(provider)
with trace("after") as ours:
    print(ours.trace_id)
provider.shutdown()
"""


def test_a_provider_installed_after_the_first_trace_is_picked_up(
    otlp_receiver: OTLPReceiver,
) -> None:
    command = [sys.executable, "-c", LATE_PROVIDER_SCRIPT, otlp_receiver.http_endpoint]
    done = subprocess.run(
        command, env=clean_env(), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    (span,) = otlp_receiver.wait_for_spans(count=1)
    assert span.name == "invoke_workflow after"
    assert span.trace_id == done.stdout.strip().removeprefix("trace_")
    assert span.parent_span_id == ""
