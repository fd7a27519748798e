"""Environment -> OpenTelemetry providers: what lets a script with no OTel code export its runs.

Rules, in order:

1. `OTEL_SDK_DISABLED=true`: no bridge, nothing installed.
2. The app installed its own providers (the globals are no longer the API's proxies): use them,
   install nothing.
3. Otherwise, if any variable in `TRIGGERS` is set (an OTLP endpoint or an exporter choice, for
   any of the three signals), build and install a tracer, a meter and a logger provider from the
   standard variables. The logger provider (where the bridge's GenAI events go) is decided on its
   own: an app that installed only a LoggerProvider keeps it, and gets ours for the other two.

`settings.py` reads and checks the variables; we parse only what the SDK leaves to its caller
(exporter names and the OTLP protocol); the rest is read by the SDK's own code: endpoints,
headers, timeouts and compression by the OTLP exporters, `OTEL_SERVICE_NAME` and
`OTEL_RESOURCE_ATTRIBUTES` by `Resource.create()`, `OTEL_BSP_*` by `BatchSpanProcessor`,
`OTEL_BLRP_*` by `BatchLogRecordProcessor`, `OTEL_METRIC_EXPORT_*` by
`PeriodicExportingMetricReader`. A bad value is raised as `UserError` from `configure()` and
logged once from the automatic path (never breaking the run). Exports are counted when dropped
(`otel_agents.telemetry.dropped`) and flushed at process exit within one deadline for all three
signals, so short scripts lose nothing and a dead collector cannot hang the exit.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry import _logs as logs_api
from opentelemetry import metrics as metrics_api
from opentelemetry import trace as trace_api
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from ..exceptions import UserError
from . import forked, lifecycle
from .capture import clean_str
from .exporters import (
    DELIVERIES,
    CountingBatchLogRecordProcessor,
    CountingBatchSpanProcessor,
    CountingLogExporter,
    CountingMetricExporter,
    CountingSpanExporter,
    Delivery,
    DropCounter,
    call_within,
    log_exporter,
    metric_exporter,
    prometheus_reader,
    span_exporter,
)
from .processor import OTelTracingProcessor
from .settings import (
    DEFAULT_SHUTDOWN_TIMEOUT,
    LOGS_EXPORTERS,
    METRICS_EXPORTERS,
    PROTOCOLS,
    SHUTDOWN_TIMEOUT_ENV,
    TRACES_EXPORTERS,
    TRIGGERS,
    Settings,
    read_settings,
    sdk_disabled,
    setup_requested,
)

__all__ = [
    "DEFAULT_SHUTDOWN_TIMEOUT",
    "LOGS_EXPORTERS",
    "METRICS_EXPORTERS",
    "PROTOCOLS",
    "SHUTDOWN_TIMEOUT_ENV",
    "TRACES_EXPORTERS",
    "TRIGGERS",
    "Settings",
    "auto_configure",
    "build_logger_provider",
    "build_providers",
    "configure",
    "default_processor",
    "logger_provider_installed",
    "providers_installed",
    "read_settings",
    "sdk_disabled",
    "setup_requested",
    "shutdown_within",
]

logger = logging.getLogger("otel_agents.otel")


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
            delivery = Delivery(name)
            DELIVERIES.append(delivery)
            tracer_provider.add_span_processor(
                CountingBatchSpanProcessor(
                    CountingSpanExporter(spans_out, on_drop, delivery), on_drop, delivery
                )
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
    shutdown_timeout: float | None = None,
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
        shutdown_timeout: Seconds the flush at process exit may take (all three signals); else
            `OTEL_AGENTS_SHUTDOWN_TIMEOUT`, else 5.

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
        timeout = _env_timeout() if shutdown_timeout is None else shutdown_timeout
        _install(tracer_provider, meter_provider, timeout, logger_provider)
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
            timeout = _env_timeout()
        except UserError as error:
            logger.error("otel-agents: OpenTelemetry export not set up: %s", error)
            return
        except Exception:
            logger.exception("otel-agents: OpenTelemetry export not set up")
            return
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
        forked.reset_metrics_in_children(meter_provider)
    if logger_provider is not None:
        logs_api.set_logger_provider(logger_provider)
    # Logs first: the bridge's last events are emitted before its spans end, and the meter
    # provider last, so drops counted while the others shut down are still exported.
    providers = [p for p in (logger_provider, tracer_provider, meter_provider) if p is not None]
    if providers:
        lifecycle.install(providers, timeout)  # at exit, on SIGTERM, in forked workers


def shutdown_within(providers: Sequence[Any], timeout: float) -> bool:
    """Flushes and shuts down `providers`, giving up after `timeout` seconds (process exit)."""
    return call_within([(p, "shutdown", ()) for p in providers], timeout, "export at exit")


def _env_timeout() -> float:
    # Checked by read_settings() before any caller gets here.
    return float(os.environ.get(SHUTDOWN_TIMEOUT_ENV, "").strip() or DEFAULT_SHUTDOWN_TIMEOUT)


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
