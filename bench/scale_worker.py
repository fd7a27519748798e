"""One client process of the scale section: one configuration, driven over stdin/stdout.

Run as `python -m bench.scale_worker CONFIG BASE_URL` (the parent, `scale.py`, starts one per
configuration, with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at its own receiver process when the
configuration exports). Each configuration is set up as a user would set it up:

- `ours-off`: our runner, `set_tracing_disabled(True)`;
- `ours-otlp`: our runner with nothing but the OTLP environment variables (the default
  processor builds OTLP/HTTP span, metric and log exporters from them);
- `up-off`: the upstream OpenAI Agents SDK, `set_tracing_disabled(True)`;
- `up-oi`: the upstream SDK with OpenInference's instrumentor on an SDK `TracerProvider` with a
  `BatchSpanProcessor` and the OTLP/HTTP span exporter (its documented set-up);
- `up-ours`: the upstream SDK with `instrument_openai_agents()` and the OTLP variables.

Both runners use their own Responses API model over the real `openai` client (`AsyncOpenAI`,
its default connection pool) against `sse_server.py`. Commands, one per line, answered with one
JSON line: `run N WAVES` (WAVES waves of N concurrent streamed runs; CPU and wall time, per-run
latencies), `stats` (peak RSS, spans ended), `quit`. Separate processes keep each
configuration's CPU time, peak RSS and global state (the SDK's processors, instrumentors, the
OTel globals) its own; only one worker runs at a time, so they are measured side by side.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import resource
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

CONFIGS = ("ours-off", "ours-otlp", "up-off", "up-oi", "up-ours")
QUESTION = "What is the weather in Paris?"
MODEL = "gpt-bench"


def _span_counter() -> Any:
    """An SDK span processor counting ended spans (what the exporters were handed)."""
    from opentelemetry.sdk.trace import SpanProcessor

    class SpanCounter(SpanProcessor):
        ended = 0

        def on_end(self, span: Any) -> None:
            self.ended += 1

    return SpanCounter()


def _client(base_url: str) -> Any:
    from openai import AsyncOpenAI

    return AsyncOpenAI(api_key="sk-bench", base_url=base_url, max_retries=0, timeout=120.0)


def _ours(config: str, base_url: str) -> Callable[[], Coroutine[Any, Any, None]]:
    from otel_agents import Agent, RunConfig, Runner, function_tool, set_tracing_disabled
    from otel_agents.models import OpenAIResponsesModel

    from .workload import get_weather

    set_tracing_disabled(config == "ours-off")
    writer: Agent[Any] = Agent(name="Writer", instructions="Write the forecast.")
    agent: Agent[Any] = Agent(
        name="Triage",
        instructions="Find the weather, then hand off to the writer.",
        tools=[function_tool(get_weather)],
        handoffs=[writer],
    )
    config_ = RunConfig(model=OpenAIResponsesModel(MODEL, _client(base_url)))

    async def once() -> None:
        streamed = Runner.run_streamed(agent, QUESTION, run_config=config_)
        async for _ in streamed.stream_events():
            pass
        assert streamed.final_output, "no final output"

    return once


def _upstream(config: str, base_url: str) -> Callable[[], Coroutine[Any, Any, None]]:
    import agents

    from .workload import get_weather

    agents.set_trace_processors([])  # never the SDK's exporter to OpenAI's backend
    agents.set_tracing_disabled(config == "up-off")
    if config == "up-oi":
        from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        OpenAIAgentsInstrumentor().instrument(tracer_provider=provider)
        _PROVIDERS.append(provider)
    elif config == "up-ours":
        from otel_agents.otel import instrument_openai_agents

        instrument_openai_agents()
    writer = agents.Agent(name="Writer", instructions="Write the forecast.")
    agent = agents.Agent(
        name="Triage",
        instructions="Find the weather, then hand off to the writer.",
        tools=[agents.function_tool(get_weather)],
        handoffs=[writer],
    )
    model = agents.OpenAIResponsesModel(model=MODEL, openai_client=_client(base_url))
    run_config = agents.RunConfig(model=model)

    async def once() -> None:
        streamed = agents.Runner.run_streamed(agent, QUESTION, run_config=run_config)
        async for _ in streamed.stream_events():
            pass
        assert streamed.final_output, "no final output"

    return once


_PROVIDERS: list[Any] = []  # SDK providers whose queues a block flushes (its export cost)


def _otel_providers() -> list[Any]:
    """The SDK tracer and logger providers in use, for flushing and counting."""
    from opentelemetry import _logs, trace

    found = list(_PROVIDERS)
    for provider in (trace.get_tracer_provider(), _logs.get_logger_provider()):
        if hasattr(provider, "force_flush") and provider not in found:
            found.append(provider)
    return found


async def _timed(once: Callable[[], Coroutine[Any, Any, None]], latencies: list[float]) -> bool:
    start = time.perf_counter()
    try:
        await once()
    except Exception as error:  # counted and reported: a failed run must not look cheap
        print(f"run failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        return False
    latencies.append(time.perf_counter() - start)
    return True


async def _block(
    once: Callable[[], Coroutine[Any, Any, None]], n: int, waves: int, latencies: list[float]
) -> int:
    """`waves` waves of `n` concurrent runs; returns how many succeeded."""
    ok = 0
    for _ in range(waves):
        done = await asyncio.gather(*(_timed(once, latencies) for _ in range(n)))
        ok += sum(done)
    return ok


def main() -> None:
    config, base_url = sys.argv[1], sys.argv[2]
    # A full span queue logs each dropped span; the parent counts them from the receiver.
    logging.getLogger("opentelemetry.sdk._shared_internal").setLevel(logging.ERROR)
    if config not in CONFIGS:
        raise SystemExit(f"unknown configuration {config!r}; choose among {CONFIGS}")
    once = _ours(config, base_url) if config.startswith("ours") else _upstream(config, base_url)
    loop = asyncio.new_event_loop()
    counter = _span_counter()
    traced = config not in ("ours-off", "up-off")
    if traced:
        loop.run_until_complete(once())  # the default processor builds its providers now
        for provider in _otel_providers():
            provider.force_flush()  # that run's spans reach the receiver before it is counted
            if hasattr(provider, "add_span_processor"):
                provider.add_span_processor(counter)
    print(json.dumps({"ready": config}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        if command[0] == "stats":
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(json.dumps({"peak_rss_kib": peak_kib, "spans_ended": counter.ended}), flush=True)
            continue
        n, waves = int(command[1]), int(command[2])
        latencies: list[float] = []
        gc.collect()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        ok = loop.run_until_complete(_block(once, n, waves, latencies))
        wall = time.perf_counter() - wall0
        if traced:  # what this block queued is exported (and its CPU counted) in this block
            for provider in _otel_providers():
                provider.force_flush()
        cpu = time.process_time() - cpu0
        print(
            json.dumps(
                {"runs": n * waves, "ok": ok, "cpu": cpu, "wall": wall, "latencies": latencies}
            ),
            flush=True,
        )
    loop.close()


if __name__ == "__main__":
    main()
