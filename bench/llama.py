"""Telemetry overhead on real model calls: llama.cpp's own server with SmolLM2-135M.

The scripted sections measure our code with the model's time taken out; this one puts it back:
the same agent run against a real OpenAI-compatible server (the one `make test-integration`
installs under `.cache/`, see tests/support/llama_server.py), with tracing off and with the OTel
bridge on (batch span export to a counting no-op exporter, metrics on), in pairs whose order
alternates, on both APIs. Greedy decoding (temperature 0) and a token cap keep every run's output
the same, and the server caches the prompt, so the pairs differ by telemetry and by the machine's
noise, which at ~0.5 s a run is far larger than the telemetry's cost: the ratio's interval says so.

Skipped, with the reason in the report, when the server is not installed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from openai import AsyncOpenAI

from otel_agents import Agent, ModelSettings, Runner
from otel_agents.models import Model, OpenAIChatCompletionsModel, OpenAIResponsesModel

from .harness import Summary
from .otel_kit import CountingExporter, Pipeline, use_ours
from .report import Report, ms, pct, ratio

PROMPT = "Name three colours of the rainbow."
MAX_TOKENS = 24
APIS = ("chat_completions", "responses")


def _model(api: str, base_url: str) -> Model:
    client = AsyncOpenAI(base_url=base_url, api_key="local", max_retries=0, timeout=120)
    if api == "responses":
        return OpenAIResponsesModel("gpt-4.1-mini", client)
    return OpenAIChatCompletionsModel("gpt-4.1-mini", client)


async def _run(agent: Agent[Any], streamed: bool) -> int:
    """One run; returns the output tokens the server reported (to check pairs did equal work)."""
    if streamed:
        result = Runner.run_streamed(agent, PROMPT)
        async for _ in result.stream_events():
            pass
    else:
        result = await Runner.run(agent, PROMPT)  # type: ignore[assignment]
    return sum(r.usage.output_tokens for r in result.raw_responses)


def real_model(
    loop: asyncio.AbstractEventLoop, report: Report, rounds: int, progress: Callable[[str], None]
) -> None:
    """Appends the section's table (or the reason it was skipped) to `report`."""
    title = "7. Real model calls: llama.cpp's server, tracing off vs the OTel bridge"
    try:
        from tests.support.llama_server import TOOLS_TEMPLATE, LlamaServer, unavailable
    except ImportError as error:  # run from outside the repository
        reason: str | None = f"tests/support/llama_server.py cannot be imported ({error})"
    else:
        reason = unavailable()
    if reason is not None:
        report.table(title, "result").add(f"skipped: {reason}")
        progress(f"real model section skipped: {reason}")
        return
    table = report.table(
        title,
        "API",
        "mode",
        "tracing off (per run)",
        "bridge on (per run)",
        "on / off",
        "on - off",
        intro=(
            f"SmolLM2-135M-Instruct Q4_1 on llama.cpp's server (PyPI `xllamacpp`, one thread), "
            f"through the real openai client on loopback; prompt {PROMPT!r}, temperature 0, "
            f"max_tokens {MAX_TOKENS}; {rounds} pairs per line, order alternating, after 2 "
            "warm-up runs. Medians with the 95% interval of the median. The bridge's own cost "
            "per run is in sections 1-2 (well under 1 ms): here it is lost in the model's time."
        ),
    )
    pipeline = Pipeline(CountingExporter())
    tracing_off = use_ours("off")
    bridge_on = use_ours("bridge", pipeline.bridge())
    try:
        with LlamaServer(TOOLS_TEMPLATE, n_predict=MAX_TOKENS) as server:
            for api in APIS:
                agent = Agent(
                    name="Bench",
                    instructions="Answer briefly.",
                    model=_model(api, server.base_url),
                    model_settings=ModelSettings(temperature=0.0, max_tokens=MAX_TOKENS),
                )
                for streamed in (False, True):
                    mode = "streamed" if streamed else "run"
                    _pairs(loop, agent, streamed, rounds, tracing_off, bridge_on, table, api, mode)
                    progress(f"  real model {api} {mode}: {rounds} pairs done")
    finally:
        tracing_off()
        pipeline.shutdown()


def _pairs(
    loop: asyncio.AbstractEventLoop,
    agent: Agent[Any],
    streamed: bool,
    rounds: int,
    tracing_off: Callable[[], None],
    bridge_on: Callable[[], None],
    table: Any,
    api: str,
    mode: str,
) -> None:
    def timed(activate: Callable[[], None]) -> tuple[float, int]:
        activate()
        started = time.perf_counter()
        tokens = loop.run_until_complete(_run(agent, streamed))
        return time.perf_counter() - started, tokens

    for activate in (tracing_off, bridge_on):  # warm-up: connections, prompt cache
        timed(activate)
    offs: list[float] = []
    ons: list[float] = []
    unequal = 0
    for r in range(rounds):
        order = (tracing_off, bridge_on) if r % 2 == 0 else (bridge_on, tracing_off)
        results = {id(a): timed(a) for a in order}
        (off_s, off_tokens), (on_s, on_tokens) = results[id(tracing_off)], results[id(bridge_on)]
        unequal += off_tokens != on_tokens
        offs.append(off_s)
        ons.append(on_s)
    ratios = Summary.of([on / off for on, off in zip(ons, offs, strict=True)])
    diffs = Summary.of([on - off for on, off in zip(ons, offs, strict=True)])
    note = f" ({unequal} pairs with unequal output)" if unequal else ""
    table.add(
        api,
        mode,
        ms(Summary.of(offs)),
        ms(Summary.of(ons)),
        f"{ratio(ratios)} ({pct(ratios)})",
        ms(diffs) + note,
    )
