"""A real local OTLP receiver for tests: OTLP/HTTP (protobuf, JSON, gzip) and OTLP/gRPC.

It decodes with `opentelemetry-proto`, so a test sees exactly what a collector would: flattened
spans (`ReceivedSpan`), metric points (`ReceivedPoint`) and log records (`ReceivedLog`, in
`otlp_logs.py`), plus every raw request with its
headers (privacy tests grep the bytes). It can also misbehave on demand, for reliability tests:
answer with an error status (and `Retry-After`), hang until released, or drop the connection.

    with OTLPReceiver() as receiver:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.http_endpoint}   # or receiver.grpc_endpoint
        ...
        spans = receiver.wait_for_spans(count=3)

Waiting is done on a condition variable with a deadline, never by sleeping. Trap handled for
OTLP/JSON: ids are hex there, while protobuf's JSON parser reads bytes fields as base64 and would
silently produce wrong ids, so hex ids are converted before parsing.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from .otlp_logs import ReceivedLog, flatten_logs

__all__ = ["OTLPReceiver", "ReceivedLog", "ReceivedPoint", "ReceivedRequest", "ReceivedSpan"]

_HEX_ID_KEYS = {"traceId": 32, "spanId": 16, "parentSpanId": 16}
_HANG_LIMIT_S = 60.0  # a forgotten hang never outlives a test run by much
_GRPC_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    500: grpc.StatusCode.INTERNAL,
    503: grpc.StatusCode.UNAVAILABLE,
}


@dataclass
class ReceivedEvent:
    name: str
    attributes: dict[str, Any]
    time_ns: int


@dataclass
class ReceivedSpan:
    """One span as the receiver decoded it; ids are lowercase hex, "" for no parent."""

    name: str
    kind: str  # "INTERNAL", "CLIENT", ...
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]
    events: list[ReceivedEvent]
    status_code: str  # "UNSET", "OK", "ERROR"
    status_message: str
    resource: dict[str, Any]
    scope: str
    start_ns: int
    end_ns: int
    transport: str  # "http" or "grpc"


@dataclass
class ReceivedPoint:
    """One metric data point; `value` for sums and gauges, count/sum/buckets for histograms."""

    metric: str
    unit: str
    kind: str  # "sum", "gauge", "histogram", ...
    attributes: dict[str, Any]
    value: float | int | None
    count: int | None
    sum: float | None
    bucket_counts: list[int]
    explicit_bounds: list[float]
    resource: dict[str, Any]
    transport: str
    # A cumulative series' start: one per series and process (a process that exports the same
    # series twice repeats it), so (metric, attributes, start_ns) tells the processes apart.
    start_ns: int = 0


@dataclass
class ReceivedRequest:
    """One export request: headers lowercased, `body` as sent, `payload` decompressed."""

    transport: str
    path: str
    headers: dict[str, str]
    body: bytes
    payload: bytes
    content_type: str


@dataclass
class Fault:
    """How to misbehave on the next `times` requests (None: until `heal()`)."""

    status: int | None = None
    retry_after: float | None = None
    hang: bool = False
    drop: bool = False
    times: int | None = None


@dataclass
class _State:
    spans: list[ReceivedSpan] = field(default_factory=list)
    points: list[ReceivedPoint] = field(default_factory=list)
    logs: list[ReceivedLog] = field(default_factory=list)
    requests: list[ReceivedRequest] = field(default_factory=list)
    fault: Fault | None = None


class OTLPReceiver:
    """OTLP/HTTP on 127.0.0.1 (port 0) and, unless `grpc=False`, OTLP/gRPC on another free port."""

    def __init__(self, *, grpc_server: bool = True) -> None:
        self._cond = threading.Condition()
        self._state = _State()
        self._release = threading.Event()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._http.daemon_threads = True
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, args=(0.05,), daemon=True
        )
        self._grpc: grpc.Server | None = None
        self._grpc_port = 0
        if grpc_server:
            self._grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
            trace_service_pb2_grpc.add_TraceServiceServicer_to_server(
                _TraceServicer(self), self._grpc
            )
            metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(
                _MetricsServicer(self), self._grpc
            )
            logs_service_pb2_grpc.add_LogsServiceServicer_to_server(_LogsServicer(self), self._grpc)
            self._grpc_port = self._grpc.add_insecure_port("127.0.0.1:0")

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> OTLPReceiver:
        self._http_thread.start()
        if self._grpc is not None:
            self._grpc.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._http.shutdown()
        self._http.server_close()
        if self._grpc is not None:
            self._grpc.stop(grace=None)

    def __enter__(self) -> OTLPReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def http_endpoint(self) -> str:
        """Base URL for OTEL_EXPORTER_OTLP_ENDPOINT with http/protobuf (no /v1/... suffix)."""
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def grpc_endpoint(self) -> str:
        """Endpoint for OTEL_EXPORTER_OTLP_ENDPOINT with grpc."""
        if self._grpc is None:
            raise RuntimeError("this receiver was created with grpc_server=False")
        return f"http://127.0.0.1:{self._grpc_port}"

    # --- what was received ----------------------------------------------------------------------

    @property
    def spans(self) -> list[ReceivedSpan]:
        with self._cond:
            return list(self._state.spans)

    @property
    def points(self) -> list[ReceivedPoint]:
        with self._cond:
            return list(self._state.points)

    @property
    def logs(self) -> list[ReceivedLog]:
        with self._cond:
            return list(self._state.logs)

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._cond:
            return list(self._state.requests)

    def clear(self) -> None:
        with self._cond:
            self._state.spans.clear()
            self._state.points.clear()
            self._state.logs.clear()
            self._state.requests.clear()

    def wait_for_spans(
        self,
        predicate: Callable[[list[ReceivedSpan]], bool] | None = None,
        *,
        count: int | None = None,
        timeout: float = 10.0,
    ) -> list[ReceivedSpan]:
        """Waits until `predicate(spans)` holds or at least `count` spans arrived; returns spans."""
        return self._wait(lambda s: s.spans, predicate, count, timeout, "spans")

    def wait_for_points(
        self,
        predicate: Callable[[list[ReceivedPoint]], bool] | None = None,
        *,
        count: int | None = None,
        timeout: float = 10.0,
    ) -> list[ReceivedPoint]:
        """Waits until `predicate(points)` holds or at least `count` points arrived."""
        return self._wait(lambda s: s.points, predicate, count, timeout, "metric points")

    def wait_for_logs(
        self,
        predicate: Callable[[list[ReceivedLog]], bool] | None = None,
        *,
        count: int | None = None,
        timeout: float = 10.0,
    ) -> list[ReceivedLog]:
        """Waits until `predicate(logs)` holds or at least `count` log records arrived."""
        return self._wait(lambda s: s.logs, predicate, count, timeout, "log records")

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[ReceivedRequest]:
        """Waits until at least `count` requests arrived (including failed ones)."""
        return self._wait(lambda s: s.requests, None, count, timeout, "requests")

    def _wait(
        self,
        pick: Callable[[_State], list[Any]],
        predicate: Callable[[list[Any]], bool] | None,
        count: int | None,
        timeout: float,
        what: str,
    ) -> list[Any]:
        if predicate is None:
            wanted = 1 if count is None else count
            predicate = lambda items: len(items) >= wanted  # noqa: E731
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                items = list(pick(self._state))
                if predicate(items):
                    return items
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"timed out after {timeout}s waiting for {what}; got {len(items)}"
                    )
                self._cond.wait(left)

    # --- faults ---------------------------------------------------------------------------------

    def fail(
        self, status: int = 503, *, retry_after: float | None = None, times: int | None = None
    ) -> None:
        """Answer the next `times` requests (None: all until `heal()`) with `status`."""
        self._set_fault(Fault(status=status, retry_after=retry_after, times=times))

    def hang(self, *, times: int | None = None) -> None:
        """Hold the next requests without answering until `heal()` (or a 60 s safety limit)."""
        self._release.clear()
        self._set_fault(Fault(hang=True, times=times))

    def drop_connection(self, *, times: int | None = None) -> None:
        """Read the next requests, then close the connection without an answer."""
        self._set_fault(Fault(drop=True, times=times))

    def heal(self) -> None:
        """Back to normal; releases hanging requests (which are then answered normally)."""
        self._set_fault(None)
        self._release.set()

    def _set_fault(self, fault: Fault | None) -> None:
        with self._cond:
            self._state.fault = fault

    def _take_fault(self) -> Fault | None:
        with self._cond:
            fault = self._state.fault
            if fault is None:
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._state.fault = None
            return fault

    # --- decoding -------------------------------------------------------------------------------

    def _record(self, request: ReceivedRequest) -> None:
        with self._cond:
            self._state.requests.append(request)
            self._cond.notify_all()

    def _ingest(self, signal: str, message: Message, transport: str) -> None:
        if signal == "logs":
            records = list(flatten_logs(message, transport, attributes, any_value))  # type: ignore[arg-type]
            with self._cond:
                self._state.logs.extend(records)
                self._cond.notify_all()
        elif signal == "traces":
            spans = list(_flatten_spans(message, transport))  # type: ignore[arg-type]
            with self._cond:
                self._state.spans.extend(spans)
                self._cond.notify_all()
        else:
            points = list(_flatten_points(message, transport))  # type: ignore[arg-type]
            with self._cond:
                self._state.points.extend(points)
                self._cond.notify_all()

    def _wait_released(self) -> None:
        self._release.wait(_HANG_LIMIT_S)


_SIGNALS: dict[str, tuple[str, type[Message], type[Message]]] = {
    "/v1/traces": (
        "traces",
        trace_service_pb2.ExportTraceServiceRequest,
        trace_service_pb2.ExportTraceServiceResponse,
    ),
    "/v1/metrics": (
        "metrics",
        metrics_service_pb2.ExportMetricsServiceRequest,
        metrics_service_pb2.ExportMetricsServiceResponse,
    ),
    "/v1/logs": (
        "logs",
        logs_service_pb2.ExportLogsServiceRequest,
        logs_service_pb2.ExportLogsServiceResponse,
    ),
}


def _make_handler(receiver: OTLPReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            encoding = (self.headers.get("Content-Encoding") or "").lower()
            payload = _decompress(body, encoding)
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver._record(
                ReceivedRequest("http", self.path, headers, body, payload, content_type)
            )
            fault = receiver._take_fault()
            if fault is not None and fault.hang:
                receiver._wait_released()
            elif fault is not None and fault.drop:
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            elif fault is not None and fault.status is not None:
                extra = {}
                if fault.retry_after is not None:
                    extra["Retry-After"] = f"{fault.retry_after:g}"
                self._answer(fault.status, b"", "text/plain", extra)
                return
            signal = _SIGNALS.get(self.path)
            if signal is None:
                self._answer(404, b"", "text/plain")
                return
            name, request_type, response_type = signal
            try:
                message = _parse(payload, content_type, request_type)
            except Exception as error:  # a malformed request is a test failure: say why
                self._answer(400, str(error).encode(), "text/plain")
                return
            receiver._ingest(name, message, "http")
            if content_type == "application/json":
                self._answer(200, b"{}", "application/json")
            else:
                self._answer(200, response_type().SerializeToString(), "application/x-protobuf")

        def _answer(
            self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _GrpcBase:
    def __init__(self, receiver: OTLPReceiver) -> None:
        self.receiver = receiver

    def _handle(self, signal: str, request: Message, context: grpc.ServicerContext) -> None:
        headers = {k.lower(): str(v) for k, v in context.invocation_metadata()}
        raw = request.SerializeToString()
        path = f"/v1/{signal}"
        self.receiver._record(ReceivedRequest("grpc", path, headers, raw, raw, "application/grpc"))
        fault = self.receiver._take_fault()
        if fault is not None and fault.hang:
            self.receiver._wait_released()
        elif fault is not None and fault.drop:
            context.abort(grpc.StatusCode.UNAVAILABLE, "connection dropped by test receiver")
        elif fault is not None and fault.status is not None:
            code = _GRPC_CODES.get(fault.status, grpc.StatusCode.UNAVAILABLE)
            context.abort(code, f"test receiver answered {fault.status}")
        self.receiver._ingest(signal, request, "grpc")


class _TraceServicer(_GrpcBase, trace_service_pb2_grpc.TraceServiceServicer):
    def Export(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._handle("traces", request, context)
        return trace_service_pb2.ExportTraceServiceResponse()


class _MetricsServicer(_GrpcBase, metrics_service_pb2_grpc.MetricsServiceServicer):
    def Export(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._handle("metrics", request, context)
        return metrics_service_pb2.ExportMetricsServiceResponse()


class _LogsServicer(_GrpcBase, logs_service_pb2_grpc.LogsServiceServicer):
    def Export(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._handle("logs", request, context)
        return logs_service_pb2.ExportLogsServiceResponse()


def _decompress(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


def _parse(payload: bytes, content_type: str, message_type: type[Message]) -> Message:
    message = message_type()
    if content_type == "application/json":
        json_format.ParseDict(_hex_ids_to_base64(json.loads(payload)), message)
    else:
        message.ParseFromString(payload)
    return message


def _hex_ids_to_base64(node: Any) -> Any:
    """OTLP/JSON ids are hex; protobuf's JSON parser expects base64 for bytes fields."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            size = _HEX_ID_KEYS.get(key)
            if size and isinstance(value, str) and len(value) == size:
                with contextlib.suppress(ValueError):
                    value = base64.b64encode(bytes.fromhex(value)).decode()
            out[key] = _hex_ids_to_base64(value)
        return out
    if isinstance(node, list):
        return [_hex_ids_to_base64(v) for v in node]
    return node


def any_value(value: AnyValue) -> Any:
    """An OTLP AnyValue as a Python value (lists and dicts for arrays and kvlists)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    return getattr(value, kind)


def attributes(items: Any) -> dict[str, Any]:
    """OTLP KeyValues as a dict."""
    return {kv.key: any_value(kv.value) for kv in items if isinstance(kv, KeyValue)}


def _flatten_spans(
    message: trace_service_pb2.ExportTraceServiceRequest, transport: str
) -> Iterator[ReceivedSpan]:
    for resource_spans in message.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield ReceivedSpan(
                    name=span.name,
                    kind=span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
                    trace_id=span.trace_id.hex(),
                    span_id=span.span_id.hex(),
                    parent_span_id=span.parent_span_id.hex(),
                    attributes=attributes(span.attributes),
                    events=[
                        ReceivedEvent(e.name, attributes(e.attributes), e.time_unix_nano)
                        for e in span.events
                    ],
                    status_code=span.status.StatusCode.Name(span.status.code).removeprefix(
                        "STATUS_CODE_"
                    ),
                    status_message=span.status.message,
                    resource=resource,
                    scope=scope_spans.scope.name,
                    start_ns=span.start_time_unix_nano,
                    end_ns=span.end_time_unix_nano,
                    transport=transport,
                )


def _flatten_points(
    message: metrics_service_pb2.ExportMetricsServiceRequest, transport: str
) -> Iterator[ReceivedPoint]:
    for resource_metrics in message.resource_metrics:
        resource = attributes(resource_metrics.resource.attributes)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                kind = metric.WhichOneof("data") or ""
                data = getattr(metric, kind) if kind else None
                for point in getattr(data, "data_points", ()):
                    number = point.WhichOneof("value") if kind in ("sum", "gauge") else None
                    yield ReceivedPoint(
                        metric=metric.name,
                        unit=metric.unit,
                        kind=kind,
                        attributes=attributes(point.attributes),
                        value=getattr(point, number) if number else None,
                        count=point.count if kind == "histogram" else None,
                        sum=point.sum if kind == "histogram" else None,
                        bucket_counts=list(point.bucket_counts) if kind == "histogram" else [],
                        explicit_bounds=list(point.explicit_bounds) if kind == "histogram" else [],
                        resource=resource,
                        transport=transport,
                        start_ns=point.start_time_unix_nano,
                    )
