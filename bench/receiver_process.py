"""A local OTLP/HTTP receiver in a child process, counting the spans it decodes.

Run as `python -m bench.receiver_process`: prints its endpoint, then answers `count` on stdin
with "<spans> <requests>" and exits on `quit` or end of input. It is the tests' receiver
(`tests/support/otlp_receiver.py`, decoding with `opentelemetry-proto`) with storage replaced by
counting, so a long run does not hold every span; when that module is missing, a minimal sink
does the same decoding. A child process, so decoding does not compete for the benchmark's GIL.

`ReceiverProcess` is the parent's handle on it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2


def _spans_in(message: Any) -> int:
    return sum(len(s.spans) for r in message.resource_spans for s in r.scope_spans)


class _Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans = 0
        self.requests = 0

    def add(self, spans: int) -> None:
        with self.lock:
            self.spans += spans
            self.requests += 1


def _tests_receiver(counts: _Counts) -> tuple[str, Any]:
    from tests.support.otlp_receiver import OTLPReceiver

    class CountingReceiver(OTLPReceiver):
        def _record(self, request: Any) -> None:  # keep no request bodies
            pass

        def _ingest(self, signal: str, message: Any, transport: str) -> None:
            if signal == "traces":
                counts.add(_spans_in(message))

    receiver = CountingReceiver(grpc_server=False).start()
    return receiver.http_endpoint, receiver.stop


def _minimal_sink(counts: _Counts) -> tuple[str, Any]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/v1/traces":
                message = trace_service_pb2.ExportTraceServiceRequest()
                message.ParseFromString(body)
                counts.add(_spans_in(message))
            reply = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}", stop


def main() -> None:
    counts = _Counts()
    try:
        endpoint, stop = _tests_receiver(counts)
        kind = "tests/support/otlp_receiver.py"
    except ImportError:
        endpoint, stop = _minimal_sink(counts)
        kind = "bench minimal sink"
    print(endpoint, kind, flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            with counts.lock:
                print(counts.spans, counts.requests, flush=True)
        elif line.strip() == "quit":
            break
    stop()


class ReceiverProcess:
    """Starts the receiver in a child process; `count()` asks it how many spans it decoded."""

    def __init__(self) -> None:
        root = Path(__file__).resolve().parent.parent
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.receiver_process"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline().split(maxsplit=1)
        if not line:
            raise RuntimeError("the OTLP receiver process did not start")
        self.endpoint, self.kind = line[0], line[1].strip()

    def count(self) -> tuple[int, int]:
        """(spans, requests) decoded so far."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write("count\n")
        self._proc.stdin.flush()
        spans, requests = self._proc.stdout.readline().split()
        return int(spans), int(requests)

    def close(self) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write("quit\n")
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> ReceiverProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    main()
