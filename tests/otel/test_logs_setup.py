"""The Logs signal from the environment: a script with no OTel code gets a LoggerProvider built
from `OTEL_LOGS_EXPORTER` and the OTLP variables, and its log records reach a real OTLP receiver
with the trace and span ids of the span they were emitted in.

Each case is a subprocess (the global providers are process-wide), like `test_setup.py`. The app
emits its own log record from a tool, through the Logs API: the delivery path is what is under
test here, whoever emits (the bridge's GenAI events take the same path).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from otel_agents.otel import semconv, setup
from support.otlp_receiver import OTLPReceiver

APP = Path(__file__).with_name("logs_app.py")
EXTRA_S = 2.5  # beyond the same app's time with a healthy collector, measured just before


def closed_port_endpoint() -> str:
    """An endpoint nobody listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run_app(*args: str, **extra: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(OTEL_BLRP_SCHEDULE_DELAY="600000", OTEL_BSP_SCHEDULE_DELAY="600000", **extra)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(APP), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, time.monotonic() - started


def ids(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The trace and span ids the app printed from inside the tool's span."""
    line = next(x for x in done.stdout.splitlines() if x.startswith("{"))
    parsed: dict[str, str] = json.loads(line)
    return parsed


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_a_log_record_arrives_with_the_ids_of_its_span(
    otlp_receiver: OTLPReceiver, protocol: str
) -> None:
    endpoint = otlp_receiver.grpc_endpoint if protocol == "grpc" else otlp_receiver.http_endpoint
    done, _ = run_app(
        OTEL_EXPORTER_OTLP_ENDPOINT=endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
        OTEL_SERVICE_NAME="logs-app",
    )
    assert done.returncode == 0, done.stderr
    expected = ids(done)
    logs = otlp_receiver.wait_for_logs(lambda logs: any(r.event_name == "app.lookup" for r in logs))
    record = next(r for r in logs if r.event_name == "app.lookup")
    assert (record.trace_id, record.span_id) == (expected["trace_id"], expected["span_id"])
    assert record.severity_number == 9 and record.severity_text == "INFO"
    assert record.body == {"city": "Paris", "hits": [1, 2]}
    assert record.attributes == {"app.source": "tool"}
    assert record.resource["service.name"] == "logs-app"
    assert record.transport == ("grpc" if protocol == "grpc" else "http")
    # The span it names was exported too: the record and the span join up in a backend.
    spans = otlp_receiver.wait_for_spans(lambda s: any(x.span_id == record.span_id for x in s))
    tool = next(s for s in spans if s.span_id == record.span_id)
    assert tool.name == "execute_tool lookup" and tool.trace_id == record.trace_id


def test_logs_exporter_none_sends_no_logs_and_keeps_the_other_signals(
    otlp_receiver: OTLPReceiver,
) -> None:
    done, _ = run_app(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint, OTEL_LOGS_EXPORTER="none"
    )
    assert done.returncode == 0, done.stderr
    assert "logger provider: none" in done.stdout
    otlp_receiver.wait_for_spans(lambda s: any(x.name == "execute_tool lookup" for x in s))
    assert otlp_receiver.logs == []
    assert not [r for r in otlp_receiver.requests if r.path == "/v1/logs"]


def test_logs_exporter_console_prints_the_record(otlp_receiver: OTLPReceiver) -> None:
    done, _ = run_app(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint, OTEL_LOGS_EXPORTER="console"
    )
    assert done.returncode == 0, done.stderr
    expected = ids(done)
    assert '"event_name": "app.lookup"' in done.stdout
    assert f'"trace_id": "0x{expected["trace_id"]}"' in done.stdout
    assert otlp_receiver.logs == []


def test_logs_exporter_alone_triggers_the_setup() -> None:
    done, _ = run_app(OTEL_LOGS_EXPORTER="console", OTEL_TRACES_EXPORTER="none",
                      OTEL_METRICS_EXPORTER="none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"event_name": "app.lookup"' in done.stdout


def test_a_bad_logs_exporter_is_named_and_the_run_goes_on(otlp_receiver: OTLPReceiver) -> None:
    with pytest.raises(Exception, match="OTEL_LOGS_EXPORTER='loki'.*otlp, console, none"):
        setup.read_settings({"OTEL_LOGS_EXPORTER": "loki"})
    done, _ = run_app(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint, OTEL_LOGS_EXPORTER="loki"
    )
    assert done.returncode == 0 and "reply: sunny" in done.stdout, done.stderr
    assert "OTEL_LOGS_EXPORTER='loki'" in done.stderr and "otlp, console, none" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_apps_own_logger_provider_is_used_as_is(otlp_receiver: OTLPReceiver) -> None:
    done, _ = run_app(
        "--own-logger-provider", OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint
    )
    assert done.returncode == 0, done.stderr
    assert "own provider kept: True" in done.stdout
    assert "own exporter got: app.lookup" in done.stdout
    # Ours still exports the spans, and built no second LoggerProvider.
    otlp_receiver.wait_for_spans(lambda s: any(x.name == "execute_tool lookup" for x in s))
    assert otlp_receiver.logs == []


def test_a_dead_logs_collector_bounds_the_exit(otlp_receiver: OTLPReceiver) -> None:
    # The same app with a collector that answers: interpreter start, imports and the run.
    _, healthy = run_app(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint, OTEL_AGENTS_SHUTDOWN_TIMEOUT="1"
    )
    otlp_receiver.hang()
    done, elapsed = run_app(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint,
        OTEL_EXPORTER_OTLP_TIMEOUT="60",  # without our deadline, exit would wait this long
        OTEL_AGENTS_SHUTDOWN_TIMEOUT="1",
    )
    assert done.returncode == 0 and "reply: sunny" in done.stdout, done.stderr
    assert elapsed < healthy + 1 + EXTRA_S, (
        f"exit took {elapsed:.1f}s with a 1 s deadline ({healthy:.1f}s when healthy)"
    )
    assert done.stderr.count("did not finish within 1.0 s") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_log_records_a_dead_collector_refused_are_counted_as_dropped(
    otlp_receiver: OTLPReceiver,
) -> None:
    done, _ = run_app(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=closed_port_endpoint() + "/v1/logs",
        OTEL_EXPORTER_OTLP_LOGS_TIMEOUT="1",
        OTEL_AGENTS_SHUTDOWN_TIMEOUT="20",
    )
    assert done.returncode == 0, done.stderr
    points = otlp_receiver.wait_for_points(
        lambda ps: any(p.metric == "otel_agents.telemetry.dropped" for p in ps)
    )
    dropped = [p for p in points if p.metric == "otel_agents.telemetry.dropped"]
    assert {p.attributes[semconv.OA_SIGNAL]: p.value for p in dropped} == {"logs": 1}
    assert "dropped 1 log records" in done.stderr


# --- the receiver's logs decoding, for senders other than the Python SDK ---------------------


def _request(event_name: str, attribute_name: str) -> bytes:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

    request = ExportLogsServiceRequest()
    scope_logs = request.resource_logs.add().scope_logs.add()
    scope_logs.scope.name = "sender"
    record = scope_logs.log_records.add(
        event_name=event_name,
        severity_number=13,
        severity_text="WARN",
        trace_id=bytes.fromhex("0af7651916cd43dd8448eb211c80319c"),
        span_id=bytes.fromhex("b7ad6b7169203331"),
    )
    record.body.kvlist_value.values.add(key="n", value=AnyValue(int_value=3))
    if attribute_name:
        record.attributes.append(
            KeyValue(key="event.name", value=AnyValue(string_value=attribute_name))
        )
    return request.SerializeToString()


def _post(url: str, body: bytes, content_type: str, encoding: str = "") -> int:
    import urllib.request

    headers = {"Content-Type": content_type} | ({"Content-Encoding": encoding} if encoding else {})
    with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=10) as answer:
        return int(answer.status)


@pytest.mark.parametrize("encoding", ["protobuf", "gzip", "json"])
def test_the_receiver_decodes_log_records(otlp_receiver: OTLPReceiver, encoding: str) -> None:
    import base64
    import gzip

    from google.protobuf import json_format
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    url = f"{otlp_receiver.http_endpoint}/v1/logs"
    body = _request("gen_ai.client.operation.exception", "")
    if encoding == "json":
        message = ExportLogsServiceRequest.FromString(body)
        as_json = json_format.MessageToDict(message)
        record = as_json["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
        for key in ("traceId", "spanId"):  # OTLP/JSON writes ids in hex, not base64
            record[key] = base64.b64decode(record[key]).hex()
        assert _post(url, json.dumps(as_json).encode(), "application/json") == 200
    elif encoding == "gzip":
        assert _post(url, gzip.compress(body), "application/x-protobuf", "gzip") == 200
    else:
        assert _post(url, body, "application/x-protobuf") == 200
    (received,) = otlp_receiver.wait_for_logs(count=1)
    assert received.event_name == "gen_ai.client.operation.exception"
    assert (received.trace_id, received.span_id) == (
        "0af7651916cd43dd8448eb211c80319c",
        "b7ad6b7169203331",
    )
    assert (received.severity_number, received.severity_text) == (13, "WARN")
    assert received.body == {"n": 3} and received.scope == "sender"


def test_the_receiver_reads_the_event_name_attribute_of_older_senders(
    otlp_receiver: OTLPReceiver,
) -> None:
    body = _request("", "gen_ai.guardrail.result")
    assert _post(f"{otlp_receiver.http_endpoint}/v1/logs", body, "application/x-protobuf") == 200
    (received,) = otlp_receiver.wait_for_logs(count=1)
    assert received.event_name == "gen_ai.guardrail.result"
