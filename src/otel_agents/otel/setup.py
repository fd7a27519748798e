"""Environment -> OpenTelemetry providers: what lets a script with no OTel code export its runs.

Rules, in order:

1. `OTEL_SDK_DISABLED=true`: no bridge, nothing installed.
2. The app installed its own providers (the globals are no longer the API's proxies): use them,
   install nothing.
3. Otherwise, if any variable in `TRIGGERS` is set (an OTLP endpoint or an exporter choice, for
   any of the three signals), build and install a tracer, a meter and a logger provider from the
   standard variables. The logger provider (where the bridge's GenAI events go) is decided on its
   own: an app that installed only a LoggerProvider keeps it, and gets ours for the other two.

We parse only what the SDK leaves to its caller (exporter names and the OTLP protocol); the rest
is read by the SDK's own code: endpoints, headers, timeouts and compression by the OTLP exporters,
`OTEL_SERVICE_NAME`/`OTEL_RESOURCE_ATTRIBUTES` by `Resource.create()`, `OTEL_BSP_*` by
`BatchSpanProcessor`, `OTEL_BLRP_*` by `BatchLogRecordProcessor`, `OTEL_METRIC_EXPORT_*` by
`PeriodicExportingMetricReader`. Numeric values and endpoints are checked first so a bad value
gets a message naming the variable and what is valid: raised as `UserError` from `configure()`,
logged once from the automatic path (never breaking the run). Exports are counted when dropped
(`otel_agents.telemetry.dropped`) and flushed at process exit within one deadline for all three
signals, so short scripts lose nothing and a dead collector cannot hang the exit.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from opentelemetry import _logs as logs_api
from opentelemetry import metrics as metrics_api
from opentelemetry import trace as trace_api
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from ..exceptions import UserError
from .capture import clean_str
from .exporters import (
    CountingBatchLogRecordProcessor,
    CountingBatchSpanProcessor,
    CountingLogExporter,
    CountingMetricExporter,
    CountingSpanExporter,
    DropCounter,
    call_within,
    log_exporter,
    metric_exporter,
    prometheus_reader,
    span_exporter,
)
from .processor import OTelTracingProcessor

logger = logging.getLogger("otel_agents.otel")

DEFAULT_SHUTDOWN_TIMEOUT = 5.0
"""Seconds the exit flush may take before the rest is dropped (`OTEL_AGENTS_SHUTDOWN_TIMEOUT`)."""
SHUTDOWN_TIMEOUT_ENV = "OTEL_AGENTS_SHUTDOWN_TIMEOUT"

TRIGGERS = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    "OTEL_TRACES_EXPORTER",
    "OTEL_METRICS_EXPORTER",
    "OTEL_LOGS_EXPORTER",
)
"""Any of these set makes otel-agents install providers when the app has none."""

TRACES_EXPORTERS = ("otlp", "console", "none")
METRICS_EXPORTERS = ("otlp", "console", "prometheus", "none")
LOGS_EXPORTERS = ("otlp", "console", "none")
PROTOCOLS = ("http/protobuf", "grpc")

# Variables the SDK reads as numbers; checked here so a typo is reported clearly.
_POSITIVE_INTS = (
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BLRP_MAX_QUEUE_SIZE",
    "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_EXPORTER_PROMETHEUS_PORT",
    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
)
_NON_NEGATIVE_NUMBERS = (
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BLRP_SCHEDULE_DELAY",
    "OTEL_BLRP_EXPORT_TIMEOUT",
    "OTEL_METRIC_EXPORT_INTERVAL",
    "OTEL_METRIC_EXPORT_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
    "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
    SHUTDOWN_TIMEOUT_ENV,
)
_HEADERS = ("OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "OTEL_EXPORTER_OTLP_METRICS_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS")  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """What to build, read from the environment and explicit arguments."""

    traces_exporters: tuple[str, ...]
    metrics_exporters: tuple[str, ...]
    traces_protocol: str
    metrics_protocol: str
    logs_exporters: tuple[str, ...] = ("otlp",)
    logs_protocol: str = "http/protobuf"


def sdk_disabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether `OTEL_SDK_DISABLED` is true (case-insensitive)."""
    env = os.environ if environ is None else environ
    return env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


def setup_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether any variable in `TRIGGERS` is set."""
    env = os.environ if environ is None else environ
    return any(env.get(name, "").strip() for name in TRIGGERS)


def providers_installed() -> bool:
    """Whether the app (or anyone) replaced the API's default proxy providers."""
    tracer_provider = trace_api.get_tracer_provider()
    meter_provider = metrics_api.get_meter_provider()
    return not isinstance(tracer_provider, trace_api.ProxyTracerProvider) or (
        type(meter_provider).__name__ != "_ProxyMeterProvider"
    )


def logger_provider_installed() -> bool:
    """Whether the app (or anyone) installed a global LoggerProvider (not the API's placeholder)."""
    provider = logs_api.get_logger_provider()
    return type(provider).__name__ not in ("ProxyLoggerProvider", "NoOpLoggerProvider")


def read_settings(
    environ: Mapping[str, str] | None = None,
    *,
    protocol: str | None = None,
    endpoint: str | None = None,
    console: bool = False,
) -> Settings:
    """Validates the OTEL_* variables we use and returns what to build; raises `UserError`."""
    env = os.environ if environ is None else environ
    for name in _POSITIVE_INTS:
        _check_number(env, name, integer=True, minimum=1)
    for name in _NON_NEGATIVE_NUMBERS:
        _check_number(env, name, integer=False, minimum=0)
    for name in _HEADERS:
        raw = env.get(name, "").strip()
        if raw and any("=" not in item for item in raw.split(",") if item.strip()):
            raise UserError(f"{name}={raw!r} is malformed: use comma-separated key=value pairs")
    if endpoint is not None or console:
        default_exporters = (("otlp",) if endpoint is not None else ()) + (
            ("console",) if console else ()
        )
        traces = metrics = logs = default_exporters
    else:
        traces = _exporters(env, "OTEL_TRACES_EXPORTER", TRACES_EXPORTERS)
        metrics = _exporters(env, "OTEL_METRICS_EXPORTER", METRICS_EXPORTERS)
        logs = _exporters(env, "OTEL_LOGS_EXPORTER", LOGS_EXPORTERS)
    settings = Settings(
        traces_exporters=traces,
        metrics_exporters=metrics,
        traces_protocol=_protocol(env, "TRACES", protocol),
        metrics_protocol=_protocol(env, "METRICS", protocol),
        logs_exporters=logs,
        logs_protocol=_protocol(env, "LOGS", protocol),
    )
    if endpoint is not None:
        _check_endpoint("endpoint", endpoint, settings.traces_protocol)
    for signal, proto in (
        ("TRACES", settings.traces_protocol),
        ("METRICS", settings.metrics_protocol),
        ("LOGS", settings.logs_protocol),
    ):
        for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"):
            if env.get(name, "").strip():
                _check_endpoint(name, env[name].strip(), proto)
    return settings


def build_providers(
    settings: Settings,
    *,
    service_name: str | None = None,
    endpoint: str | None = None,
    headers: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> tuple[TracerProvider | None, MeterProvider | None]:
    """SDK providers with the exporters `settings` asks for (None for a signal set to none)."""
    env = os.environ if environ is None else environ
    resource = _resource(service_name)
    meter_provider: MeterProvider | None = None
    readers: list[MetricReader] = []
    metric_drops = DropCounter("metric points")
    for name in settings.metrics_exporters:
        if name == "prometheus":
            readers.append(prometheus_reader(env))
        elif name != "none":
            exporter = metric_exporter(name, settings.metrics_protocol, endpoint, headers)
            counting = CountingMetricExporter(exporter, metric_drops)
            readers.append(PeriodicExportingMetricReader(counting))
    if readers:
        meter_provider = MeterProvider(
            resource=resource, metric_readers=readers, shutdown_on_exit=False
        )
        metric_drops.meter_provider = meter_provider
    tracer_provider: TracerProvider | None = None
    exporters = [n for n in settings.traces_exporters if n != "none"]
    if exporters:
        tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        on_drop = DropCounter("spans", meter_provider)
        for name in exporters:
            spans_out = span_exporter(name, settings.traces_protocol, endpoint, headers)
            tracer_provider.add_span_processor(
                CountingBatchSpanProcessor(CountingSpanExporter(spans_out, on_drop), on_drop)
            )
    return tracer_provider, meter_provider


def build_logger_provider(
    settings: Settings,
    *,
    service_name: str | None = None,
    endpoint: str | None = None,
    headers: Mapping[str, str] | None = None,
    meter_provider: MeterProvider | None = None,
) -> LoggerProvider | None:
    """An SDK LoggerProvider with the log exporters `settings` asks for (None for "none").

    Records dropped by a full queue or a failed export are counted on `meter_provider`.
    """
    exporters = [n for n in settings.logs_exporters if n != "none"]
    if not exporters:
        return None
    provider = LoggerProvider(resource=_resource(service_name), shutdown_on_exit=False)
    on_drop = DropCounter("log records", meter_provider, signal="logs")
    for name in exporters:
        records_out = log_exporter(name, settings.logs_protocol, endpoint, headers)
        provider.add_log_record_processor(
            CountingBatchLogRecordProcessor(CountingLogExporter(records_out, on_drop), on_drop)
        )
    return provider


def configure(
    service_name: str | None = None,
    endpoint: str | None = None,
    protocol: str | None = None,
    console: bool = False,
    headers: Mapping[str, str] | None = None,
    *,
    set_global: bool = True,
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT,
) -> tuple[TracerProvider | None, MeterProvider | None]:
    """Builds OpenTelemetry providers for otel-agents from arguments and the OTEL_* variables.

    Args:
        service_name: `service.name` of the resource (else `OTEL_SERVICE_NAME`).
        endpoint: OTLP base URL (e.g. "http://localhost:4318"; "http://localhost:4317" for grpc);
            else the OTLP endpoint variables.
        protocol: "http/protobuf" or "grpc"; else `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`.
        console: Also print spans and metrics to stdout.
        headers: Extra OTLP headers (e.g. an API key for a hosted backend).
        set_global: Install them as the global providers (what otel-agents' bridge uses), and
            a global LoggerProvider for the bridge's events (`OTEL_LOGS_EXPORTER`) unless the app
            has one; `opentelemetry._logs.get_logger_provider()` returns it.
        shutdown_timeout: Seconds the flush at process exit may take (all three signals).

    Returns:
        The tracer and meter providers (None for a signal whose exporter is "none"). The logger
        provider is not returned, so that existing `tracer, meter = configure()` code keeps
        working; with `set_global=False`, build it with `build_logger_provider()` instead.

    Raises:
        UserError: A bad argument or OTEL_* value, or providers already installed globally.
    """
    settings = read_settings(protocol=protocol, endpoint=endpoint, console=console)
    if set_global and providers_installed():
        raise UserError(
            "OpenTelemetry providers are already installed in this process; otel-agents uses them "
            "as they are. Call configure() before anything else sets them, or pass set_global=False"
        )
    tracer_provider, meter_provider = build_providers(
        settings, service_name=service_name, endpoint=endpoint, headers=headers
    )
    if set_global:
        logger_provider = None
        if not logger_provider_installed():
            logger_provider = build_logger_provider(
                settings,
                service_name=service_name,
                endpoint=endpoint,
                headers=headers,
                meter_provider=meter_provider,
            )
        _install(tracer_provider, meter_provider, shutdown_timeout, logger_provider)
    return tracer_provider, meter_provider


_auto_lock = threading.Lock()
_auto_done = False


def auto_configure() -> None:
    """The environment-only path: installs providers once when asked to; never raises."""
    global _auto_done
    with _auto_lock:
        if _auto_done:
            return
        _auto_done = True
        if sdk_disabled() or not setup_requested() or providers_installed():
            return
        try:
            settings = read_settings()
            tracer_provider, meter_provider = build_providers(settings)
            logger_provider = None
            if not logger_provider_installed():
                logger_provider = build_logger_provider(settings, meter_provider=meter_provider)
        except UserError as error:
            logger.error("otel-agents: OpenTelemetry export not set up: %s", error)
            return
        except Exception:
            logger.exception("otel-agents: OpenTelemetry export not set up")
            return
        timeout = float(
            os.environ.get(SHUTDOWN_TIMEOUT_ENV, "").strip() or DEFAULT_SHUTDOWN_TIMEOUT
        )
        _install(tracer_provider, meter_provider, timeout, logger_provider)


def default_processor() -> OTelTracingProcessor | None:
    """The processor the tracing provider installs by default (None when the SDK is disabled)."""
    if sdk_disabled():
        return None
    auto_configure()
    return OTelTracingProcessor()


def _install(
    tracer_provider: TracerProvider | None,
    meter_provider: MeterProvider | None,
    timeout: float,
    logger_provider: LoggerProvider | None = None,
) -> None:
    if tracer_provider is not None:
        trace_api.set_tracer_provider(tracer_provider)
    if meter_provider is not None:
        metrics_api.set_meter_provider(meter_provider)
    if logger_provider is not None:
        logs_api.set_logger_provider(logger_provider)
    # Logs first: the bridge's last events are emitted before its spans end, and the meter
    # provider last, so drops counted while the others shut down are still exported.
    providers = [p for p in (logger_provider, tracer_provider, meter_provider) if p is not None]
    if providers:
        atexit.register(shutdown_within, providers, timeout)


def shutdown_within(providers: Sequence[Any], timeout: float) -> bool:
    """Flushes and shuts down `providers`, giving up after `timeout` seconds (process exit)."""
    return call_within([(p, "shutdown", ()) for p in providers], timeout, "export at exit")


def _exporters(env: Mapping[str, str], name: str, valid: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return ("otlp",)  # the spec's default
    chosen = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    bad = [n for n in chosen if n not in valid]
    if bad:
        raise UserError(
            f"{name}={raw!r}: {', '.join(bad)} not supported by otel-agents' automatic setup "
            f"(valid: {', '.join(valid)}); for other exporters install your own providers"
        )
    return chosen


def _protocol(env: Mapping[str, str], signal: str, explicit: str | None) -> str:
    for name, raw in (
        ("protocol", explicit),
        (f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL", env.get(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL")),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", env.get("OTEL_EXPORTER_OTLP_PROTOCOL")),
    ):
        if raw and raw.strip():
            value = raw.strip().lower()
            if value not in PROTOCOLS:
                hint = (
                    " (the Python OTLP exporters have no JSON encoder)" if "json" in value else ""
                )
                raise UserError(
                    f"{name}={raw!r} is not supported{hint}; valid: {', '.join(PROTOCOLS)}"
                )
            return value
    return "http/protobuf"


def _check_number(env: Mapping[str, str], name: str, *, integer: bool, minimum: float) -> None:
    raw = env.get(name, "").strip()
    if not raw:
        return
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = None
    # float() accepts "nan" and "inf"; neither is a usable timeout or interval.
    if value is None or not math.isfinite(value) or value < minimum:
        kind = "an integer" if integer else "a number"
        raise UserError(f"{name}={raw!r} is not valid: use {kind} >= {minimum:g}")


def _check_endpoint(name: str, value: str, protocol: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme in ("http", "https") and parsed.netloc:
        return
    if protocol == "grpc" and "://" not in value and ":" in value:
        return  # host:port is accepted by the gRPC exporter
    raise UserError(
        f"{name}={value!r} is not a valid OTLP endpoint: use a URL such as "
        "http://localhost:4318 (http/protobuf) or http://localhost:4317 (grpc)"
    )


def _resource(service_name: str | None) -> Resource:
    return _encodable(Resource.create({"service.name": service_name} if service_name else {}))


def _encodable(resource: Resource) -> Resource:
    """The resource with text values the OTLP encoder accepts.

    An environment value that is not UTF-8 (e.g. `OTEL_SERVICE_NAME` set from raw bytes) reaches
    Python as lone surrogates, which protobuf refuses on every export.
    """
    attributes = {
        key: clean_str(value) if isinstance(value, str) else value
        for key, value in resource.attributes.items()
    }
    return Resource(attributes, resource.schema_url)
