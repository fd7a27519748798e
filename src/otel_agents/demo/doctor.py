"""`otel-agents doctor`: the effective telemetry configuration, a live export check, and fixes.

The report shows each setting with the variable it came from (header values are never shown).
When OTLP export is on, it checks the traces endpoint in two steps: a TCP connection (fast, and
precise about "nothing listens there"), then ONE test span sent with the real OTLP exporter
class the bridge uses, configured by the same variables (URL, headers, TLS, compression), with a
short timeout. The exporter reports failures only in its log, so its log lines are captured
(and kept off the terminal) to give the answer: an HTTP status, a gRPC code, a timeout.
Problems end the report with a `UserError` (the CLI's one-line error, exit 2); advice that is not
an error (export off, content capture on) is printed and the exit code stays 0.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..exceptions import UserError
from ..models._defaults import API_ENV, default_model_name
from ..tracing import DISABLED_ENV
from .telemetry import STACK_HINT, ExportConfig, host_port, read_export_config, tcp_check

__all__ = ["run_doctor", "send_test_span"]


class _LogCapture(logging.Handler):
    """Collects the OTLP exporters' log lines while the test span is sent."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(record.getMessage())


def send_test_span(protocol: str, service_name: str, timeout: float) -> tuple[bool, str]:
    """Exports one span named "otel-agents doctor"; returns (accepted, what happened)."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON

    exporter: SpanExporter
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as Grpc

        exporter = Grpc(timeout=timeout)
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as Http

        exporter = Http(timeout=timeout)

    results: list[SpanExportResult] = []

    class Recording(SpanExporter):
        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            results.append(exporter.export(spans))
            return results[-1]

        def shutdown(self) -> None:
            exporter.shutdown()

    capture = _LogCapture()
    exporter_logger = logging.getLogger("opentelemetry.exporter")
    saved_propagate = exporter_logger.propagate
    exporter_logger.addHandler(capture)
    exporter_logger.propagate = False  # the answer is reported below, not as log noise
    started = time.perf_counter()
    # ALWAYS_ON: the configured sampler may drop the one span this check is about.
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}), sampler=ALWAYS_ON
    )
    try:
        provider.add_span_processor(SimpleSpanProcessor(Recording()))
        with provider.get_tracer("otel_agents.doctor").start_as_current_span(
            "otel-agents doctor", attributes={"otel_agents.doctor": True}
        ):
            pass
    finally:
        provider.shutdown()
        exporter_logger.removeHandler(capture)
        exporter_logger.propagate = saved_propagate
    elapsed = f"{(time.perf_counter() - started) * 1000:.0f} ms"
    if results and results[0] is SpanExportResult.SUCCESS:
        return True, f"accepted a test span in {elapsed}"
    messages = [m.rstrip(".") for m in capture.messages] or ["the exporter gave no reason"]
    reason = messages[0] if len(messages) == 1 else f"{messages[0]}; then: {messages[-1]}"
    return False, f"the test span failed after {elapsed}: {reason}"


def _fix(answer: str) -> str:
    """What to do about a failed test export, from the status in the exporter's answer."""
    if "code: 401" in answer or "code: 403" in answer:
        return "check the credentials in OTEL_EXPORTER_OTLP_HEADERS"
    if "code: 404" in answer:
        return (
            "check the URL: OTEL_EXPORTER_OTLP_ENDPOINT is the base URL (http://host:4318) and "
            "the exporter appends /v1/traces"
        )
    if "code: 415" in answer:
        return "the backend does not take this encoding: try OTEL_EXPORTER_OTLP_PROTOCOL=grpc"
    return "start the collector (make stack-up) or fix OTEL_EXPORTER_OTLP_ENDPOINT"


def _advice(config: ExportConfig, env: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(errors, notes): misconfigurations that lose telemetry, and things worth knowing."""
    errors: list[str] = []
    notes: list[str] = []
    s = config.settings
    if not config.requested:
        notes.append(f"Export is off: {STACK_HINT}.")
    if config.requested and config.sdk_disabled:
        errors.append(
            "OTEL_SDK_DISABLED=true turns export off although an exporter is set: unset it"
        )
    if config.tracing_disabled:
        notes.append("OTEL_AGENTS_TRACING_DISABLED is on: runs create no traces at all.")
    if config.sampler[0].split()[0] in ("always_off", "parentbased_always_off"):
        errors.append(f"OTEL_TRACES_SAMPLER={config.sampler[0]} drops every span: unset it")
    endpoints = [
        (config.traces_endpoint, s.traces_protocol),
        (config.metrics_endpoint, s.metrics_protocol),
        (config.logs_endpoint, s.logs_protocol),
    ]
    for url, protocol in endpoints:
        port = host_port(url)[1] if url else None
        if protocol == "http/protobuf" and port == 4317:
            errors.append(
                f"{url} uses port 4317, the OTLP/gRPC port: use 4318 for http/protobuf, or set "
                "OTEL_EXPORTER_OTLP_PROTOCOL=grpc"
            )
        elif protocol == "grpc" and port == 4318:
            errors.append(
                f"{url} uses port 4318, the OTLP/HTTP port: use 4317 for grpc, or set "
                "OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf"
            )
    base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip().rstrip("/")
    if base.endswith(("/v1/traces", "/v1/metrics", "/v1/logs")):
        errors.append(
            "OTEL_EXPORTER_OTLP_ENDPOINT is a base URL and the exporters append /v1/traces, "
            f"/v1/metrics and /v1/logs: drop the suffix ({base.rsplit('/v1/', 1)[0]})"
        )
    if config.capture[0].enabled:
        notes.append(
            f"Content capture is {config.capture[0].value}: prompts, completions and tool "
            "arguments are exported."
        )
    return errors, notes


def _model_line(env: Mapping[str, str]) -> tuple[str, str]:
    base_url = env.get("OPENAI_BASE_URL", "").strip()
    key = bool(env.get("OPENAI_API_KEY", "").strip())
    if not key and not base_url:
        return (
            "none: the demo runs offline on its scripted model",
            "OPENAI_API_KEY and OPENAI_BASE_URL unset; either one configures a model",
        )
    where = base_url or "api.openai.com"
    api = env.get(API_ENV, "").strip() or "responses"
    return f"{default_model_name()} via {where}, {api} API", "OPENAI_API_KEY " + (
        "set" if key else "unset"
    )


def _rows(config: ExportConfig, env: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(setting, value, where it came from) for the report."""
    s = config.settings
    traces = _exporters(config, s.traces_exporters, s.traces_protocol, config.traces_endpoint)
    metrics = _exporters(config, s.metrics_exporters, s.metrics_protocol, config.metrics_endpoint)
    logs = _exporters(config, s.logs_exporters, s.logs_protocol, config.logs_endpoint)
    if config.requested:
        export_source = "an OTLP endpoint or OTEL_*_EXPORTER is set"
    else:
        export_source = "no OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_*_EXPORTER set"
    headers = ", ".join(config.header_names) or "none"
    return [
        ("tracing", "off" if config.tracing_disabled else "on", _source(env, DISABLED_ENV)),
        ("export", "on" if config.exporting else "off", export_source),
        ("traces", traces, ""),
        ("metrics", metrics, ""),
        ("logs (events)", logs, ""),
        ("OTLP headers", headers, "values hidden" if config.header_names else ""),
        ("service name", *config.service_name),
        ("content capture", config.capture[0].value, config.capture[1]),
        ("sampler", *config.sampler),
        ("model", *_model_line(env)),
    ]


def _check_endpoints(config: ExportConfig, timeout: float, console: Console) -> list[str]:
    """Checks the traces endpoint (TCP, then one test span) and separate metrics and logs
    endpoints (TCP); prints each answer and returns the errors."""
    url = config.traces_endpoint
    if not config.exporting or url is None:
        return []
    problem = tcp_check(url)
    if problem is None:
        service = config.service_name[0]
        ok, answer = send_test_span(config.settings.traces_protocol, service, timeout)
    else:
        ok, answer = False, problem
    console.print(Text(f"{'✓' if ok else '✗'} {url} {answer}", style="green" if ok else "red"))
    if not ok:
        return [f"the OTLP endpoint {url}: {answer}; {_fix(answer)}"]
    errors: list[str] = []
    checked = {host_port(url)}
    for signal, other in (("metrics", config.metrics_endpoint), ("logs", config.logs_endpoint)):
        if other is None or host_port(other) in checked:
            continue
        checked.add(host_port(other))
        problem = tcp_check(other)
        if problem is None:
            console.print(Text(f"✓ {other} accepts connections", style="green"))
            continue
        console.print(Text(f"✗ {other} {problem}", style="red"))
        errors.append(f"the OTLP {signal} endpoint {other}: {problem}")
    return errors


def run_doctor(
    console: Console, environ: Mapping[str, str] | None = None, *, timeout: float = 3.0
) -> None:
    """Prints the report; raises `UserError` (one line: what to fix) when export cannot work."""
    env = os.environ if environ is None else environ
    console.print(Text("otel-agents doctor", style="bold"))
    config = read_export_config(env)  # an invalid value stops here with its own message
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for name, value, source in _rows(config, env):
        table.add_row(name, Text(value).append(f"  ({source})" if source else "", style="dim"))
    console.print(table)
    errors, notes = _advice(config, env)
    if not errors:  # a known misconfiguration is reported as such, without a network answer
        errors = _check_endpoints(config, timeout, console)
    for note in notes:
        console.print(Text(f"• {note}", style="yellow"))
    if errors:
        for error in errors[1:]:
            console.print(Text(f"✗ {error}", style="red"))
        raise UserError(errors[0])
    console.print(Text("✓ No problem found.", style="green"))


def _exporters(
    config: ExportConfig, exporters: tuple[str, ...], protocol: str, endpoint: str | None
) -> str:
    if not config.exporting:
        return "not exported"
    parts = [f"otlp {protocol} → {endpoint}" if n == "otlp" else n for n in exporters]
    return ", ".join(parts)


def _source(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    return f"{name}={value}" if value else "default"
