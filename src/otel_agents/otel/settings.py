"""The OTEL_* variables otel-agents' automatic setup reads itself, checked: which exporters and
which OTLP protocol for each signal (traces, metrics, logs), what triggers the setup, and the
numbers, headers and endpoints the SDK would otherwise reject late or silently. A bad value raises
`UserError` naming the variable and what is valid. `setup.py` builds providers from `Settings`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from ..exceptions import UserError

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
        _check_headers(name, env.get(name, ""))
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


def safe_url(value: str) -> str:
    """`value` for messages and reports: credentials in the userinfo and query values hidden.

    Works on malformed URLs too (no parsing that could raise), since those are the ones reported.
    """
    scheme, sep, rest = value.partition("://")
    if not sep:
        scheme, rest = "", value
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rsplit("@", 1)[1]
    path, question, query = path.partition("?")
    if question:
        keys = [item.partition("=")[0] for item in query.split("&") if item]
        query = "&".join(f"{key}=***" for key in keys)
    return f"{scheme}{sep}{authority}{slash}{path}{question}{query}"


def _check_headers(name: str, raw: str) -> None:
    """Header values are credentials: a malformed value is described by its keys, never shown."""
    items = [item for item in raw.split(",") if item.strip()]
    bad = [i for i, item in enumerate(items, 1) if "=" not in item]
    if not bad:
        return
    keys = [item.partition("=")[0].strip() for item in items if "=" in item]
    seen = f"; well-formed keys: {', '.join(keys)}" if keys else ""
    raise UserError(
        f"{name} is malformed: item {bad[0]} of {len(items)} has no '=' (values are not shown"
        f"{seen}). Use comma-separated key=value pairs, e.g. authorization=Bearer%20<token>, "
        "not a curl-style 'Authorization: Bearer <token>'"
    )


def _check_endpoint(name: str, value: str, protocol: str) -> None:
    shown = safe_url(value)
    try:
        parsed = urlparse(value)
        parsed.port  # noqa: B018  # raises ValueError for a port out of range or not a number
    except ValueError as error:
        raise UserError(
            f"{name}={shown!r} is not a valid URL ({error}): use a URL such as "
            "http://localhost:4318 (http/protobuf) or http://localhost:4317 (grpc)"
        ) from None
    if parsed.scheme in ("http", "https") and parsed.hostname:
        return
    if protocol == "grpc" and "://" not in value and ":" in value:
        return  # host:port is accepted by the gRPC exporter
    raise UserError(
        f"{name}={shown!r} is not a valid OTLP endpoint: use a URL such as "
        "http://localhost:4318 (http/protobuf) or http://localhost:4317 (grpc)"
    )
