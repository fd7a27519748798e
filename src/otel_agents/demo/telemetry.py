"""Where the CLI's telemetry goes: the effective export settings, the one-line answer, the flush.

`otel_agents.otel.setup` decides what to install from the OTEL_* variables; this module reads the
same variables the same way (through `setup.read_settings`) and adds what a person needs to see
and the setup module does not expose: the effective OTLP URLs (as the SDK's exporters resolve
them), header names (never values), the service name, the content capture mode and the sampler,
each with the variable it came from. Invalid values raise `UserError`, so the CLI stops with one
line before a run instead of logging mid-run.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from opentelemetry import _logs as logs_api
from opentelemetry import metrics as metrics_api
from opentelemetry import trace as trace_api

from .. import tracing
from ..exceptions import UserError
from ..otel import lifecycle, setup
from ..otel.capture import CaptureMode
from ..otel.exporters import DELIVERIES, call_within
from ..otel.semconv import ENV_CAPTURE_MESSAGE_CONTENT
from ..otel.settings import safe_url
from ..tracing import DISABLED_ENV

__all__ = [
    "STACK_HINT",
    "ExportConfig",
    "configure_export",
    "describe_destination",
    "flush_telemetry",
    "host_port",
    "read_export_config",
    "tcp_check",
]

STACK_HINT = (
    "set OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 (make stack-up) to see this run in "
    "Jaeger/Grafana"
)
SAMPLERS = (
    "always_on",
    "always_off",
    "parentbased_always_on",
    "parentbased_always_off",
    "traceidratio",
    "parentbased_traceidratio",
)
_RATIO_SAMPLERS = ("traceidratio", "parentbased_traceidratio")
_BOOL_WORDS = ("true", "1", "yes", "false", "0", "no", "")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HEADER_VARIABLES = (
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
)


@dataclass(frozen=True)
class ExportConfig:
    """The effective export configuration, and where each part came from.

    Attributes:
        sdk_disabled: `OTEL_SDK_DISABLED=true`: nothing is exported.
        tracing_disabled: `OTEL_AGENTS_TRACING_DISABLED` is on: no trace is even created.
        requested: One of `setup.TRIGGERS` is set, so otel-agents installs providers.
        settings: Exporters and protocols (from `setup.read_settings`).
        traces_endpoint: Where OTLP spans go (a URL with any credentials hidden), None when no
            OTLP traces exporter.
        metrics_endpoint: Where OTLP metrics go, None when no OTLP metrics exporter.
        header_names: Names of the OTLP headers set (values are never read out).
        logs_endpoint: Where OTLP log records (the GenAI events) go, None when no OTLP logs
            exporter.
        service_name: The `service.name` of the resource, and its source.
        capture: The content capture mode, and its source.
        sampler: The sampler (with its argument), and its source.
    """

    sdk_disabled: bool
    tracing_disabled: bool
    requested: bool
    settings: setup.Settings
    traces_endpoint: str | None
    metrics_endpoint: str | None
    header_names: tuple[str, ...]
    service_name: tuple[str, str]
    capture: tuple[CaptureMode, str]
    sampler: tuple[str, str]
    logs_endpoint: str | None = None

    @property
    def exporting(self) -> bool:
        """Whether otel-agents installs exporters for this process."""
        return self.requested and not self.sdk_disabled and not self.tracing_disabled


def _otlp_endpoint(env: Mapping[str, str], signal: str, protocol: str) -> str:
    """The URL the SDK's OTLP exporter for `signal` ("traces"/"metrics"/"logs") sends to, as
    shown to a person: credentials in it are hidden (host and port, all a check needs, stay)."""
    return safe_url(_raw_endpoint(env, signal, protocol))


def _raw_endpoint(env: Mapping[str, str], signal: str, protocol: str) -> str:
    specific = env.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT", "").strip()
    base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    if protocol == "grpc":
        return specific or base or "http://localhost:4317"
    if specific:
        return specific  # used as-is by the HTTP exporters
    return f"{(base or 'http://localhost:4318').removesuffix('/')}/v1/{signal}"


def _service_name(env: Mapping[str, str], default: str) -> tuple[str, str]:
    if env.get("OTEL_SERVICE_NAME", "").strip():
        return env["OTEL_SERVICE_NAME"].strip(), "OTEL_SERVICE_NAME"
    for pair in env.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, _, value = pair.partition("=")
        if key.strip() == "service.name" and value.strip():
            return value.strip(), "OTEL_RESOURCE_ATTRIBUTES"
    return default, "default"


def _capture(env: Mapping[str, str]) -> tuple[CaptureMode, str]:
    raw = env.get(ENV_CAPTURE_MESSAGE_CONTENT, "").strip()
    if not raw:
        return CaptureMode.NO_CONTENT, "default"
    key = raw.upper()
    aliases = {"TRUE": CaptureMode.SPAN_ONLY, "FALSE": CaptureMode.NO_CONTENT}
    if key in aliases:
        return aliases[key], ENV_CAPTURE_MESSAGE_CONTENT
    try:
        return CaptureMode(key), ENV_CAPTURE_MESSAGE_CONTENT
    except ValueError:
        valid = ", ".join(m.value for m in CaptureMode)
        raise UserError(
            f"{ENV_CAPTURE_MESSAGE_CONTENT}={raw!r} is not valid: use one of {valid} (or "
            "true/false); unset it to capture no content"
        ) from None


def _sampler(env: Mapping[str, str]) -> tuple[str, str]:
    raw = env.get("OTEL_TRACES_SAMPLER", "").strip()
    if not raw:
        return "parentbased_always_on", "default"
    name = raw.lower()
    if name not in SAMPLERS:
        raise UserError(
            f"OTEL_TRACES_SAMPLER={raw!r} is not a built-in sampler: use one of "
            f"{', '.join(SAMPLERS)}"
        )
    if name in _RATIO_SAMPLERS:
        arg = env.get("OTEL_TRACES_SAMPLER_ARG", "").strip() or "1.0"
        try:
            ratio = float(arg)
        except ValueError:
            ratio = -1.0
        if not 0.0 <= ratio <= 1.0:
            raise UserError(
                f"OTEL_TRACES_SAMPLER_ARG={arg!r} is not valid for {name}: use a ratio "
                "between 0 and 1, e.g. 0.25"
            )
        return f"{name} ({ratio:g})", "OTEL_TRACES_SAMPLER"
    return name, "OTEL_TRACES_SAMPLER"


def read_export_config(
    environ: Mapping[str, str] | None = None, *, default_service: str = "otel-agents"
) -> ExportConfig:
    """Reads and checks every variable that decides where telemetry goes; raises `UserError`."""
    env = os.environ if environ is None else environ
    raw_disabled = env.get(DISABLED_ENV, "").strip().lower()
    if raw_disabled not in _BOOL_WORDS:
        raise UserError(
            f"{DISABLED_ENV}={env[DISABLED_ENV]!r} is not valid: use true to disable tracing, "
            "false (or unset it) to keep it on"
        )
    settings = setup.read_settings(env)
    names: list[str] = []
    for variable in _HEADER_VARIABLES:
        for item in env.get(variable, "").split(","):
            name = item.partition("=")[0].strip().lower()
            if name and name not in names:
                names.append(name)
    return ExportConfig(
        sdk_disabled=setup.sdk_disabled(env),
        tracing_disabled=raw_disabled in ("true", "1", "yes"),
        requested=setup.setup_requested(env),
        settings=settings,
        traces_endpoint=_otlp_endpoint(env, "traces", settings.traces_protocol)
        if "otlp" in settings.traces_exporters
        else None,
        metrics_endpoint=_otlp_endpoint(env, "metrics", settings.metrics_protocol)
        if "otlp" in settings.metrics_exporters
        else None,
        header_names=tuple(names),
        service_name=_service_name(env, default_service),
        capture=_capture(env),
        sampler=_sampler(env),
        logs_endpoint=_otlp_endpoint(env, "logs", settings.logs_protocol)
        if "otlp" in settings.logs_exporters
        else None,
    )


def host_port(url: str) -> tuple[str | None, int | None]:
    """(host, port) of an endpoint URL or "host:port"; the port is None when invalid."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    try:
        port = parsed.port or _DEFAULT_PORTS.get(parsed.scheme, 80)
    except ValueError:
        port = None
    return parsed.hostname or "localhost", port


def tcp_check(url: str, timeout: float = 1.0) -> str | None:
    """Opens (and closes) a TCP connection to the URL's host and port; returns the error text."""
    host, port = host_port(url)
    if port is None:
        return f"{url!r} has an invalid port"
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return f"nothing answers at {host}:{port} ({reason.lower()})"


def _endpoint_variables(signal: str) -> tuple[str, str]:
    return "OTEL_EXPORTER_OTLP_ENDPOINT", f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT"


def configure_export(config: ExportConfig) -> None:
    """Installs the env-configured providers (with our default service name); raises `UserError`
    when an OTLP endpoint does not accept connections, so a run never waits on a dead collector.
    """
    if not config.exporting or setup.providers_installed():
        return  # export off, or the app / opentelemetry-instrument installed its own providers
    env = os.environ
    checked: set[tuple[str | None, int | None]] = set()
    for signal, url in (
        ("traces", config.traces_endpoint),
        ("metrics", config.metrics_endpoint),
        ("logs", config.logs_endpoint),
    ):
        if url is None or host_port(url) in checked:
            continue
        checked.add(host_port(url))
        problem = tcp_check(url)
        if problem is None:
            continue
        if any(env.get(v, "").strip() for v in _endpoint_variables(signal)):
            fix = "fix OTEL_EXPORTER_OTLP_ENDPOINT, or unset it to run without export"
        else:  # an OTEL_*_EXPORTER variable turned export on, and OTLP is the default exporter
            fix = f"or set OTEL_{signal.upper()}_EXPORTER=console or none"
        raise UserError(
            f"OTLP endpoint {url}: {problem}. Start a collector (make stack-up), {fix} "
            "(details: otel-agents doctor)"
        )
    name, source = config.service_name
    setup.configure(service_name=None if source.startswith("OTEL_") else name)


def _where(exporters: tuple[str, ...], protocol: str, endpoint: str | None) -> str:
    places = []
    for name in exporters:
        if name == "otlp":
            places.append(f"OTLP {protocol} {endpoint}")
        elif name == "console":
            places.append("the console")
        elif name == "prometheus":
            places.append("a Prometheus scrape endpoint")
    return " and ".join(places) or "nowhere"


def describe_destination(
    config: ExportConfig, jsonl: str | None = None, *, in_time: bool = True
) -> str:
    """One line: where this process's spans and metrics went (and how to turn export on).

    "sent" only when the collector acknowledged every span; otherwise how many could not be
    delivered, where, and why (`in_time`: whether the flush finished within the deadline).
    """
    file = f"; spans also written to {jsonl}" if jsonl else ""
    undelivered = sum(d.undelivered for d in DELIVERIES if d.exporter == "otlp")
    if config.requested and undelivered and config.traces_endpoint:
        reason = (
            "the collector refused them or answered with an error (see the log above)"
            if in_time
            else f"no answer within the {lifecycle.timeout():g} s shutdown deadline "
            f"({setup.SHUTDOWN_TIMEOUT_ENV})"
        )
        return (
            f"Telemetry: {undelivered} span{'s' if undelivered != 1 else ''} could not be "
            f"delivered to {config.traces_endpoint}: {reason}{file}."
        )
    if config.tracing_disabled:
        return f"Telemetry: none ({DISABLED_ENV} is on, no trace was created)."
    if config.sdk_disabled:
        return f"Telemetry: none (OTEL_SDK_DISABLED=true){file}."
    if not config.requested:
        if setup.providers_installed():
            return f"Telemetry: sent to the OpenTelemetry providers the app installed{file}."
        return f"Telemetry: spans and metrics went nowhere{file}; {STACK_HINT}."
    s = config.settings
    # "http://host:4318/v1/traces" and ".../v1/metrics" share a base: name it once.
    spans = _where(s.traces_exporters, s.traces_protocol, config.traces_endpoint)
    metrics = _where(s.metrics_exporters, s.metrics_protocol, config.metrics_endpoint)
    if spans.removesuffix("/v1/traces") == metrics.removesuffix("/v1/metrics"):
        return f"Telemetry: spans and metrics sent to {spans.removesuffix('/v1/traces')}{file}."
    parts = [
        f"{what} not exported" if where == "nowhere" else f"{what} sent to {where}"
        for what, where in (("spans", spans), ("metrics", metrics))
    ]
    return f"Telemetry: {', '.join(parts)}{file}."


def flush_telemetry() -> bool:
    """Delivers everything buffered (our processors, then the OpenTelemetry providers) within the
    one shutdown deadline, so a silent collector cannot hold the exit; whether it finished in time.

    Providers otel-agents installed are shut down (nothing of theirs can outlive the deadline);
    the app's own are flushed only.
    """
    if lifecycle.installed():
        return lifecycle.deliver(final=True, what="export")
    calls: list[tuple[Any, str, tuple[Any, ...]]] = [(tracing, "flush_traces", ())]
    for provider in (
        logs_api.get_logger_provider(),
        trace_api.get_tracer_provider(),
        metrics_api.get_meter_provider(),
    ):
        if hasattr(provider, "force_flush"):
            calls.append((provider, "force_flush", ()))
    return call_within(calls, lifecycle.timeout(), "export")
