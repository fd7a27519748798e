"""Exporters for the providers otel-agents installs, and the counting wrappers around them.

Dropped telemetry must be counted, not just logged: `CountingBatchSpanProcessor` and
`CountingBatchLogRecordProcessor` count items refused by a full export queue (the SDK would log one
warning per item), `CountingSpanExporter`, `CountingMetricExporter` and `CountingLogExporter` count
what a failed export lost (after the OTLP exporters' own retries). Counts go to
`otel_agents.telemetry.dropped` by `otel_agents.signal` ("spans", "metrics", "logs"), with at most
one log line a minute per signal. Exporter modules are imported only when chosen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk._logs import ReadWriteLogRecord
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    ConsoleLogRecordExporter,
    LogRecordExporter,
    LogRecordExportResult,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    MetricExportResult,
    MetricReader,
    MetricsData,
)
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)

from ..exceptions import UserError
from .metrics import get_metrics

logger = logging.getLogger("otel_agents.otel")

_closed: set[int] = set()  # ids of providers `call_within` shut down: flushing them is pointless


_nested = threading.local()  # set in call_within's helper threads


def call_within(
    calls: Sequence[tuple[Any, str, tuple[Any, ...]]], timeout: float, what: str
) -> bool:
    """Calls `getattr(obj, method)(*args)` for each entry in a helper thread, for at most
    `timeout` seconds in all, so a dead collector can never block the caller (or process exit).

    Providers whose `shutdown` was called here are remembered and skipped afterwards.

    Returns:
        Whether every call finished in time.
    """
    pending = [(obj, method, args) for obj, method, args in calls if id(obj) not in _closed]
    if not pending:
        return True

    _closed.update(id(obj) for obj, method, _ in pending if method == "shutdown")

    def work() -> None:
        _nested.active = True
        for obj, method, args in pending:
            try:
                getattr(obj, method)(*args)
            except Exception:
                logger.warning("otel-agents: %s.%s failed", type(obj).__name__, method)

    worker = threading.Thread(target=work, name="otel-agents-flush", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive() and not getattr(_nested, "active", False):  # the outer call reports
        logger.warning(
            "otel-agents: telemetry %s did not finish within %.1f s; the rest is dropped "
            "(is the collector reachable?)",
            what,
            timeout,
        )
        return False
    return True


def span_exporter(
    name: str, protocol: str, endpoint: str | None, headers: Mapping[str, str] | None
) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as Grpc

        return Grpc(endpoint=endpoint, headers=dict(headers) if headers else None)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as Http

    url = f"{endpoint.rstrip('/')}/v1/traces" if endpoint else None
    return Http(endpoint=url, headers=headers)


def metric_exporter(
    name: str, protocol: str, endpoint: str | None, headers: Mapping[str, str] | None
) -> MetricExporter:
    if name == "console":
        return ConsoleMetricExporter()
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as Grpc,
        )

        return Grpc(endpoint=endpoint, headers=dict(headers) if headers else None)
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter as Http

    url = f"{endpoint.rstrip('/')}/v1/metrics" if endpoint else None
    return Http(endpoint=url, headers=headers)


def log_exporter(
    name: str, protocol: str, endpoint: str | None, headers: Mapping[str, str] | None
) -> LogRecordExporter:
    if name == "console":
        return ConsoleLogRecordExporter()
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as Grpc

        return Grpc(endpoint=endpoint, headers=dict(headers) if headers else None)
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as Http

    url = f"{endpoint.rstrip('/')}/v1/logs" if endpoint else None
    return Http(endpoint=url, headers=headers)


def prometheus_reader(env: Mapping[str, str]) -> MetricReader:
    try:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from prometheus_client import start_http_server
    except ImportError as error:
        raise UserError(
            "OTEL_METRICS_EXPORTER=prometheus needs the Prometheus exporter: "
            "pip install 'otel-agents[prometheus]'"
        ) from error
    host = env.get("OTEL_EXPORTER_PROMETHEUS_HOST", "").strip() or "localhost"
    port = int(env.get("OTEL_EXPORTER_PROMETHEUS_PORT", "").strip() or 9464)
    start_http_server(port=port, addr=host)
    reader: MetricReader = PrometheusMetricReader()
    return reader


class Delivery:
    """What one span exporter was given and what its destination acknowledged, so a report says
    "sent" only for what arrived. Every pipeline `setup.py` builds registers one in `DELIVERIES`.
    """

    def __init__(self, exporter: str) -> None:
        self.exporter = exporter  # "otlp" or "console"
        self.ended = 0  # spans handed to the pipeline (dropped ones included)
        self.acknowledged = 0  # spans whose export succeeded
        self.failed = 0  # spans whose export failed (after the exporter's own retries)
        self._lock = threading.Lock()

    def add(self, ended: int = 0, acknowledged: int = 0, failed: int = 0) -> None:
        with self._lock:
            self.ended += ended
            self.acknowledged += acknowledged
            self.failed += failed

    @property
    def undelivered(self) -> int:
        return max(0, self.ended - self.acknowledged)


DELIVERIES: list[Delivery] = []
"""The span pipelines otel-agents built in this process, in order."""


class DropCounter:
    """Counts dropped items in `otel_agents.telemetry.dropped` and logs at most once a minute."""

    def __init__(
        self, what: str, meter_provider: MeterProvider | None = None, *, signal: str | None = None
    ) -> None:
        self.meter_provider = meter_provider
        self._what = what
        self._signal = signal or ("spans" if what == "spans" else "metrics")
        self._last_log = -1e9
        self._lock = threading.Lock()

    def __call__(self, count: int) -> None:
        get_metrics(self.meter_provider).record_dropped(self._signal, count)
        now = time.monotonic()
        with self._lock:
            if now - self._last_log < 60.0:
                return
            self._last_log = now
        logger.warning(
            "otel-agents: dropped %d %s (export queue full or export failed); counted in "
            "otel_agents.telemetry.dropped, next report in 60 s at most",
            count,
            self._what,
        )


class CountingBatchSpanProcessor(BatchSpanProcessor):
    """A BatchSpanProcessor that counts spans dropped on a full queue instead of logging each.

    The SDK logs one warning per dropped span; with a dead collector that is a log line per span.
    We check the queue first (falling back to the SDK's behaviour if its internals change).
    """

    def __init__(
        self, exporter: SpanExporter, on_drop: DropCounter, delivery: Delivery | None = None
    ) -> None:
        super().__init__(exporter)
        self._on_drop = on_drop
        self._delivery = delivery

    def on_end(self, span: ReadableSpan) -> None:
        if not (span.context and span.context.trace_flags.sampled):
            return
        if self._delivery is not None:
            self._delivery.add(ended=1)
        if _queue_full(self):
            self._on_drop(1)
            return
        super().on_end(span)


def _queue_full(processor: object) -> bool:
    """Whether the SDK's batch processor behind `processor` has a full queue (False if unknown)."""
    batch = getattr(processor, "_batch_processor", None)
    queue = getattr(batch, "_queue", None)
    limit = getattr(batch, "_max_queue_size", None)
    return queue is not None and isinstance(limit, int) and len(queue) >= limit


class CountingBatchLogRecordProcessor(BatchLogRecordProcessor):
    """A BatchLogRecordProcessor that counts log records dropped on a full queue (one count, not
    one SDK warning per record)."""

    def __init__(self, exporter: LogRecordExporter, on_drop: DropCounter) -> None:
        super().__init__(exporter)
        self._on_drop = on_drop

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        if _queue_full(self):
            self._on_drop(1)
            return
        super().on_emit(log_record)


class CountingLogExporter(LogRecordExporter):
    """Delegates to a log record exporter and counts the records of every failed export."""

    def __init__(self, inner: LogRecordExporter, on_drop: DropCounter) -> None:
        self.inner = inner
        self._on_drop = on_drop

    def export(self, batch: Sequence[Any]) -> LogRecordExportResult:
        result = self.inner.export(batch)
        if result is not LogRecordExportResult.SUCCESS:
            self._on_drop(len(batch))
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()  # type: ignore[no-untyped-call]  # untyped in the SDK

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class CountingSpanExporter(SpanExporter):
    """Delegates to an exporter and counts the spans of every batch that failed to export."""

    def __init__(
        self, inner: SpanExporter, on_drop: DropCounter, delivery: Delivery | None = None
    ) -> None:
        self.inner = inner
        self._on_drop = on_drop
        self._delivery = delivery

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        result = self.inner.export(spans)
        ok = result is SpanExportResult.SUCCESS
        if not ok:
            self._on_drop(len(spans))
        if self._delivery is not None:
            self._delivery.add(acknowledged=len(spans) if ok else 0, failed=0 if ok else len(spans))
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class CountingMetricExporter(MetricExporter):
    """Delegates to a metric exporter and counts the points of every failed export."""

    def __init__(self, inner: MetricExporter, on_drop: DropCounter) -> None:
        super().__init__(
            preferred_temporality=inner._preferred_temporality,
            preferred_aggregation=inner._preferred_aggregation,
        )
        self.inner = inner
        self._on_drop = on_drop

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        result = self.inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs)
        if result is not MetricExportResult.SUCCESS:
            points = sum(
                len(metric.data.data_points)
                for rm in metrics_data.resource_metrics
                for sm in rm.scope_metrics
                for metric in sm.metrics
            )
            self._on_drop(points)
        return result

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self.inner.force_flush(timeout_millis=timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self.inner.shutdown(timeout_millis=timeout_millis, **kwargs)
