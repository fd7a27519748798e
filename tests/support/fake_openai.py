"""A real local OpenAI-compatible HTTP server for tests: `POST /v1/responses` and
`POST /v1/chat/completions`, plain JSON and SSE, answering from a `ScriptedModel` script.

The real `openai` client talks to it over loopback HTTP, so tests exercise the client's request
building, SSE decoding and retries. It records every request, and can be told to fail the next
requests with a status (500, 429 with Retry-After) or to break the next stream (malformed SSE
data, a dropped connection, no terminal event).

```python
server.script([call_tool("get_weather", {"city": "Paris"}), "Sunny."])
client = server.client(max_retries=0)          # AsyncOpenAI(api_key="sk-test-secret", ...)
...
assert server.requests[0].body["model"] == "gpt-test"
```
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from openai import AsyncOpenAI
from openai.types.responses import Response, ResponseStreamEvent

from otel_agents.models.interface import ModelRequest
from otel_agents.models.scripted import ScriptedModel, Step, StepFunction

API_KEY = "sk-test-secret"
StreamFault = Literal[
    "malformed",
    "drop",
    "no_terminal",
    "incomplete",
    "failed",
    "silent",
    "stall",
    "trickle",
    "endless",
    "bad_utf8",
    "deep_json",
    "linger",
]
BAD_BODIES = {
    "bad_utf8": b'{"id": "resp_1", "object": "response", "model": "\xff\xfe"}',
    "deep_json": b"[" * 100_000 + b"]" * 100_000,
}
"""What a "bad_utf8" or "deep_json" fault sends as a whole (non-streamed) reply."""
HOLD_TICK = 0.02
"""Seconds between the bytes (or events) of a "trickle" (or "endless") reply."""


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]  # lower-case names
    raw: bytes
    body: Any
    received_at: float  # time.monotonic()
    client_port: int = 0  # the client's end of the connection: one port, one reused connection


@dataclass
class _Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class FakeOpenAI:
    """The server; use as a context manager (the `fake_openai` fixture does)."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.usage_details = {"cached_tokens": 0, "cache_write_tokens": 0, "reasoning_tokens": 0}
        self.reasoning: str | None = None
        """When set, every reply carries this reasoning: a Responses reasoning item first in the
        output, or `reasoning_content` on a Chat Completions message (and its first delta)."""
        """Reported in every response's usage (the scripted model knows no cache)."""
        self.answer_as: str | None = None
        """The model name every response reports; None echoes the requested one. Local servers
        (llama.cpp, Ollama) serve one model and answer with its name whatever was asked."""
        self._model: ScriptedModel | None = None
        self._lock = threading.Lock()
        self._failures: deque[_Failure] = deque()
        self._faults: deque[StreamFault] = deque()
        self._stopping = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        # A short poll interval: shutdown() waits for the serving loop to notice (0.5 s default).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def script(self, steps: Sequence[Step | str | StepFunction]) -> ScriptedModel:
        """Replaces the script; each model request plays the next step.

        Callable steps get a `ModelRequest` made from the body: for Chat Completions its input
        is the chat messages after the system message. A `fail(exc)` step, or an exhausted
        script, answers with `exc.status_code` (else 400) and the error's text.
        """
        self._model = ScriptedModel(steps, model_name="fake-model")
        return self._model

    def fail_next(
        self, count: int = 1, status: int = 500, *, retry_after: str | None = None
    ) -> None:
        """The next `count` requests get `status` (with a `Retry-After` header when given)."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self._failures.extend(_Failure(status, headers) for _ in range(count))

    def break_next_stream(self, fault: StreamFault) -> None:
        """The next streamed reply breaks: "malformed" data, "drop" the connection mid-stream,
        "no_terminal" (the stream ends cleanly without response.completed / finish_reason), or,
        for the Responses API, ends in "incomplete" (max_output_tokens) or "failed".

        Hostile servers, after the first events: "stall" (then silence), "trickle" (then one
        byte of an event that never completes every `HOLD_TICK` s), "endless" (then the same
        delta every `HOLD_TICK` s), "bad_utf8" (an event with bytes that are not UTF-8),
        "deep_json" (an event nested 100,000 deep), "linger" (every event, the terminal one
        too, then silence instead of the body's end). "silent" sends not even the headers; it,
        "trickle" (one byte of the body per tick), "bad_utf8" and "deep_json" also break a
        non-streamed reply. The held
        replies last until the client hangs up (or 30 s)."""
        self._faults.append(fault)

    def client(self, *, max_retries: int = 0, timeout: float = 10.0) -> AsyncOpenAI:
        """A real openai client for this server (no retries unless asked, to keep tests fast)."""
        return AsyncOpenAI(
            api_key=API_KEY, base_url=self.base_url, max_retries=max_retries, timeout=timeout
        )

    def env(self) -> dict[str, str]:
        """Environment variables pointing the default provider at this server."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": API_KEY}

    def bodies(self, path_suffix: str = "") -> list[Any]:
        """JSON bodies of the requests whose path ends with `path_suffix`."""
        return [r.body for r in self.requests if r.path.endswith(path_suffix)]

    # -- rendering (called from handler threads) ------------------------------------------------

    def _request_for(self, path: str, body: dict[str, Any]) -> ModelRequest:
        if path.endswith("/chat/completions"):
            messages = list(body.get("messages", []))
            system = None
            if messages and messages[0].get("role") == "system":
                system = messages.pop(0).get("content")
            return ModelRequest(system_instructions=system, input=messages)
        items = body.get("input", [])
        if isinstance(items, str):
            items = [{"role": "user", "content": items}]
        return ModelRequest(system_instructions=body.get("instructions"), input=items)

    def _render(self, path: str, body: dict[str, Any]) -> Response | list[ResponseStreamEvent]:
        if self._model is None:
            raise _Reply(400, "FakeOpenAI has no script: call fake_openai.script([...]) first")
        _check_tool_call_arguments(path, body)
        request = self._request_for(path, body)
        with self._lock:
            self._model.model_name = self.answer_as or str(body.get("model", "fake-model"))
            try:
                if body.get("stream"):
                    events = list(self._model.render_stream(request))
                    response: Response = events[-1].response  # type: ignore[union-attr]
                else:
                    events, response = [], self._model.render_response(request)
            except Exception as exc:  # a fail(...) step or an exhausted script
                raise _Reply(getattr(exc, "status_code", 400), str(exc)) from exc
        if self.reasoning:
            response.output.insert(0, _reasoning_item(self.reasoning))
        details = response.usage.input_tokens_details if response.usage else None
        if response.usage is not None and details is not None:
            details.cached_tokens = self.usage_details["cached_tokens"]
            details.cache_write_tokens = self.usage_details.get("cache_write_tokens", 0)
            response.usage.output_tokens_details.reasoning_tokens = self.usage_details[
                "reasoning_tokens"
            ]
        return events or response


def _check_tool_call_arguments(path: str, body: dict[str, Any]) -> None:
    """Rejects a history whose tool-call arguments are not JSON, as llama.cpp's server does
    (500 "Failed to parse tool call arguments as JSON"); OpenAI's API is more lenient."""
    if path.endswith("/chat/completions"):
        calls = [
            call.get("function", {}).get("arguments")
            for message in body.get("messages", [])
            for call in message.get("tool_calls") or ()
        ]
    else:
        items = body.get("input")
        calls = [
            item.get("arguments")
            for item in (items if isinstance(items, list) else ())
            if item.get("type") == "function_call"
        ]
    for arguments in calls:
        try:
            json.loads(arguments)
        except (TypeError, ValueError):
            raise _Reply(500, "Failed to parse tool call arguments as JSON") from None


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hang up mid-stream on purpose in these tests; real bugs surface client-side.
        pass


class _Reply(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_unset=True)  # type: ignore[no-any-return]


def _reasoning_item(text: str) -> Any:
    from openai.types.responses import ResponseReasoningItem
    from openai.types.responses.response_reasoning_item import Summary

    return ResponseReasoningItem(
        id="rs_fake", type="reasoning", summary=[Summary(text=text, type="summary_text")]
    )


def _reasoning_of(response: Response) -> str:
    return "".join(s.text for i in response.output if i.type == "reasoning" for s in i.summary)


def _chat_message(response: Response) -> dict[str, Any]:
    text = "".join(
        part.text
        for item in response.output
        if item.type == "message"
        for part in item.content
        if part.type == "output_text"
    )
    calls = [
        {
            "id": i.call_id,
            "type": "function",
            "function": {"name": i.name, "arguments": i.arguments},
        }
        for i in response.output
        if i.type == "function_call"
    ]
    message: dict[str, Any] = {"role": "assistant", "content": text if not calls or text else None}
    if _reasoning_of(response):
        message["reasoning_content"] = _reasoning_of(response)
    if calls:
        message["tool_calls"] = calls
    return message


def _chat_usage(response: Response) -> dict[str, Any] | None:
    u = response.usage
    if u is None:
        return None
    return {
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.total_tokens,
        "prompt_tokens_details": {
            "cached_tokens": u.input_tokens_details.cached_tokens,
            "cache_write_tokens": u.input_tokens_details.cache_write_tokens,
        },
        "completion_tokens_details": {"reasoning_tokens": u.output_tokens_details.reasoning_tokens},
    }


def _chat_completion(response: Response) -> dict[str, Any]:
    message = _chat_message(response)
    return {
        "id": f"chatcmpl-{response.id}",
        "object": "chat.completion",
        "created": int(response.created_at),
        "model": response.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if "tool_calls" in message else "stop",
                "logprobs": None,
            }
        ],
        "usage": _chat_usage(response),
    }


def _chat_chunks(events: list[ResponseStreamEvent], include_usage: bool) -> Iterator[Any]:
    """The Chat Completions chunks that say what the Responses events say; then "[DONE]"."""
    response: Response = events[-1].response  # type: ignore[union-attr]
    head = {
        "id": f"chatcmpl-{response.id}",
        "object": "chat.completion.chunk",
        "created": int(response.created_at),
        "model": response.model,
    }

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        body = {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
        if include_usage:
            body["usage"] = None
        return body

    yield chunk({"role": "assistant", "content": ""})
    if _reasoning_of(response):
        yield chunk({"reasoning_content": _reasoning_of(response)})
    calls = -1
    for event in events:
        if event.type == "response.output_text.delta":
            yield chunk({"content": event.delta})
        elif event.type == "response.output_item.added" and event.item.type == "function_call":
            calls += 1
            call = {"name": event.item.name, "arguments": ""}
            tool = {"index": calls, "id": event.item.call_id, "type": "function", "function": call}
            yield chunk({"tool_calls": [tool]})
        elif event.type == "response.function_call_arguments.delta":
            yield chunk({"tool_calls": [{"index": calls, "function": {"arguments": event.delta}}]})
    yield chunk({}, "tool_calls" if calls >= 0 else "stop")
    if include_usage:
        yield {**head, "choices": [], "usage": _chat_usage(response)}
    yield "[DONE]"


def _handler_for(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like real servers
        timeout = 10  # an idle kept-alive connection ends its thread
        # Headers and body go out in separate writes; with Nagle's algorithm the second waits
        # for the client's delayed ACK (about 40 ms per request on Linux).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            server.requests.append(
                RecordedRequest(
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    raw=raw,
                    body=body,
                    received_at=time.monotonic(),
                    client_port=self.client_address[1],
                )
            )
            try:
                self._answer(body)
            except _Reply as reply:
                self._send_json(reply.status, _error(reply.status, str(reply)), reply.headers)

        def _answer(self, body: Any) -> None:
            if server._failures:
                failure = server._failures.popleft()
                raise _Reply(failure.status, "injected failure", failure.headers)
            if not self.path.endswith(("/v1/responses", "/v1/chat/completions")):
                raise _Reply(404, f"no route {self.path}")
            if not isinstance(body, dict):
                raise _Reply(400, "the request body is not a JSON object")
            rendered = server._render(self.path, body)
            chat = self.path.endswith("/chat/completions")
            fault = server._faults.popleft() if server._faults else None
            if fault == "silent":
                self._hold()
                return
            if isinstance(rendered, Response):
                payload = _chat_completion(rendered) if chat else _dump(rendered)
                if fault == "trickle":
                    self._trickle_json(payload)
                    return
                if fault in ("bad_utf8", "deep_json"):
                    raw = BAD_BODIES[fault]
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                    return
                self._send_json(200, payload)
                return
            if chat:
                include = bool((body.get("stream_options") or {}).get("include_usage"))
                frames = [_sse(None, c) for c in _chat_chunks(rendered, include)]
                # [..., finish_reason chunk, usage chunk (if asked), [DONE]]
                cut, done = len(frames) - 2 - include, frames[-1:]
            else:
                frames = [_sse(e.type, _dump(e)) for e in rendered]
                cut, done = len(frames) - 1, []  # [..., response.completed]
                if fault in ("incomplete", "failed"):
                    frames[-1] = _sse(f"response.{fault}", _terminal(rendered[-1], fault))
            if fault == "no_terminal":
                frames = frames[:cut] + done  # a clean end, but without the terminal event
            elif fault in ("malformed", "drop"):
                frames = frames[:3]
            if fault == "malformed":
                frames.append(b"data: {this is not json\n\n")
            if fault == "linger":
                self._stream(frames, end=False)
                self._hold()
                return
            if fault in ("stall", "trickle", "endless", "bad_utf8", "deep_json"):
                self._hostile(fault, frames)
                return
            self._stream(frames, drop=fault == "drop")

        def _hostile(self, fault: str, frames: list[bytes]) -> None:
            # The first event that carries a delta (chat: the role chunk; Responses: text).
            first = next(i for i, f in enumerate(frames) if b'"delta"' in f)
            self._stream(frames[: first + 1], end=False)
            if fault == "bad_utf8":
                self._chunk(
                    b'data: {"type": "response.output_text.delta", "delta": "\xff\xfe"}\n\n'
                )
            elif fault == "deep_json":
                self._chunk(b"data: " + b"[" * 100_000 + b"]" * 100_000 + b"\n\n")
            elif fault == "trickle":
                self._chunk(b'data: {"type": ')
                self._hold(lambda: self._chunk(b" "))
            elif fault == "endless":
                self._hold(lambda: self._chunk(frames[first]))
            else:
                self._hold()
            if fault in ("bad_utf8", "deep_json"):
                self.wfile.write(b"0\r\n\r\n")

        def _hold(self, send: Any = None) -> None:
            """Until the client hangs up (or the server stops, or 30 s): `send()` every tick."""
            give_up = time.monotonic() + 30
            while not server._stopping.is_set() and time.monotonic() < give_up:
                readable, _, _ = select.select([self.connection], [], [], HOLD_TICK)
                try:
                    if readable and not self.connection.recv(1, socket.MSG_PEEK):
                        break  # the client closed the connection
                    if send is not None:
                        send()
                except OSError:
                    break
            self.close_connection = True

        def _trickle_json(self, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            sent = iter(range(len(data) - 1))  # never the last byte: the body never completes

            def one_byte() -> None:
                i = next(sent, None)
                if i is not None:
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()

            self._hold(one_byte)

        def _chunk(self, frame: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()

        def _stream(self, frames: list[bytes], *, drop: bool = False, end: bool = True) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for frame in frames:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
            if not end:
                return
            if drop:
                # Close without the chunked terminator: the client sees a truncated body.
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(b"0\r\n\r\n")

        def _send_json(
            self, status: int, payload: Any, headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _terminal(completed: Any, fault: str) -> dict[str, Any]:
    """A `response.incomplete` / `response.failed` event in place of `response.completed`."""
    event = _dump(completed)
    event["type"] = f"response.{fault}"
    response = event["response"]
    if fault == "incomplete":
        response.update(status="incomplete", incomplete_details={"reason": "max_output_tokens"})
    else:
        response.update(status="failed", error={"code": "server_error", "message": "boom"})
    return event


def _sse(event: str | None, data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


def _error(status: int, message: str) -> dict[str, Any]:
    kind = {429: "rate_limit_error", 400: "invalid_request_error"}.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
