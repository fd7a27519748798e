"""An OpenAI-compatible Responses API server for the scale section, in its own process.

Run as `python -m bench.sse_server [WORDS]`: prints its base URL ("http://127.0.0.1:PORT/v1"),
serves until stdin closes. `POST /v1/responses` with `"stream": true` answers with the Responses
API's SSE events for the bench's 3-turn script (`workload.py`): which step a request gets is read
from the request itself, so any number of runs can go on at once (the tests' `FakeOpenAI` plays
one shared script, one step per request, and cannot):

- instructions of the Writer agent (the handoff's target) -> the text reply of WORDS words;
- else, a `function_call_output` in the input (the tool's result is back) -> the handoff;
- else -> the `get_weather` tool call.

The three replies are rendered once at start-up by the same `ScriptedModel` the tests' server
uses (same events, same JSON), then written frame by frame (one chunk per event, as a model
streams), so the server spends almost no CPU per request: on a 2-core machine its cost would
otherwise compete with the client being measured. asyncio, not a thread per connection, for
500 concurrent streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

from otel_agents.models import ScriptedModel
from otel_agents.models.interface import ModelRequest

from .workload import CITY, script

WRITER_INSTRUCTIONS = b"Write the forecast."
MODEL = "gpt-bench"


def replies(words: int) -> dict[str, list[bytes]]:
    """The chunked-encoded SSE frames of each step, by step name.

    One model renders the three steps in turn, so call ids and item ids differ between them
    (the upstream SDK rejects a reused call id), as in one real conversation.
    """
    model = ScriptedModel(script(" ".join(f"word{i}" for i in range(words))), model_name=MODEL)
    request = ModelRequest(system_instructions=None, input=[{"role": "user", "content": CITY}])
    frames: dict[str, list[bytes]] = {}
    for name in ("tool", "handoff", "text"):
        frames[name] = []
        for event in model.render_stream(request):
            data = json.dumps(event.model_dump(mode="json", exclude_unset=True))
            frame = f"event: {event.type}\ndata: {data}\n\n".encode()
            frames[name].append(b"%x\r\n%s\r\n" % (len(frame), frame))
    return frames


def step_for(body: bytes) -> str:
    if WRITER_INSTRUCTIONS in body:
        return "text"
    if b"function_call_output" in body:
        return "handoff"
    return "tool"


HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    b"Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\n\r\n"
)
NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
)


async def _serve(
    frames: dict[str, list[bytes]], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:  # keep-alive: requests one after the other on this connection
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1] if " " in lines[0] else ""
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            if not path.endswith("/responses"):
                writer.write(NOT_FOUND)
                await writer.drain()
                continue
            writer.write(HEAD)
            for frame in frames[step_for(body)]:
                writer.write(frame)
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def _main(words: int) -> None:
    frames = replies(words)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Cancelled when the server stops with clients still connected (kept alive).
        with contextlib.suppress(asyncio.CancelledError):
            await _serve(frames, reader, writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=2048)
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}/v1", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    server.close()


if __name__ == "__main__":
    asyncio.run(_main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
