"""Load with the bridge on: many concurrent runs (asyncio) and threads of `run_sync`.

Run i is Triage-{i % 10} handing off to Support-{i % 10}, which calls a tool that yields to the
loop (so runs interleave) with key i; its trace carries `run=i` as metadata and `conv-{i}` as the
conversation id. A span of another run in a trace, or a span parented across traces, shows up as
a wrong tree or a foreign id. Agent names come from a small pool, as in production: metric state
grows with the number of distinct names (bounded by the SDK's cardinality limit), not with runs.

Memory is measured with tracemalloc around a second batch (the first fills caches, metric
attribute sets and exemplars) and must come back near its baseline.
"""

from __future__ import annotations

import asyncio
import gc
import re
import threading
import tracemalloc
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan

from otel_agents import RunConfig, Runner
from otel_agents.items import ToolCallOutputItem

from ._support import Pipeline, assert_nothing_current, by_trace, shape, two_agents
from .conftest import Bridge

pytestmark = pytest.mark.slow  # hundreds of concurrent runs

POOL = 10
EXPECTED_SHAPE = [
    ["invoke_workflow load", "UNSET", [
        ["invoke_agent Triage-#", "UNSET", [
            ["chat scripted-model", "UNSET", []],
            ["handoff Triage-# -> Support-#", "UNSET", []],
        ]],
        ["invoke_agent Support-#", "UNSET", [
            ["chat scripted-model", "UNSET", []],
            ["execute_tool lookup", "UNSET", []],
            ["chat scripted-model", "UNSET", []],
        ]],
    ]],
]  # fmt: skip
NUMBER = re.compile(r"-(\d+)")
BYTES_PER_RUN = 1024  # generous: one leaked span with its attributes is bigger than this


def config(i: int) -> RunConfig:
    return RunConfig(workflow_name="load", group_id=f"conv-{i}", trace_metadata={"run": i})


async def one_run(i: int) -> tuple[Any, list[Any]]:
    """Run i (streamed when i is odd); returns its final output and its tool outputs."""
    agent = two_agents(i, tag=i % POOL)
    if i % 2:
        streamed = Runner.run_streamed(agent, f"question {i}", run_config=config(i))
        async for _ in streamed.stream_events():
            pass
        final, items = streamed.final_output, streamed.new_items
    else:
        result = await Runner.run(agent, f"question {i}", run_config=config(i))
        final, items = result.final_output, result.new_items
    return final, [item.output for item in items if isinstance(item, ToolCallOutputItem)]


def check_outputs(outputs: list[tuple[Any, list[Any]]]) -> None:
    assert outputs == [(f"done {i}", [f"value-{i}"]) for i in range(len(outputs))]


def check_traces(spans: tuple[ReadableSpan, ...], runs: int) -> None:
    """One complete, correctly parented trace per run, holding only that run's spans."""
    traces = by_trace(spans)
    assert len(traces) == runs
    seen: set[int] = set()
    for otel_trace_id, members in traces.items():
        root = next(s for s in members if s.parent is None)
        attrs = dict(root.attributes or {})
        run = attrs["otel_agents.trace.metadata.run"]
        assert isinstance(run, int)
        seen.add(run)
        assert attrs["otel_agents.trace_id"] == f"trace_{otel_trace_id:032x}"
        conversations = {(s.attributes or {}).get("gen_ai.conversation.id") for s in members}
        assert conversations - {None} == {f"conv-{run}"}, conversations
        tags = {int(n) for s in members for n in NUMBER.findall(s.name)}
        assert tags == {run % POOL}, (run, tags)
        normalized = NUMBER.sub("-#", repr(shape(members)))
        assert normalized == repr(EXPECTED_SHAPE), normalized
    assert seen == set(range(runs))


@pytest.mark.parametrize(
    "runs", [200, pytest.param(1000, marks=pytest.mark.slow)], ids=lambda n: f"{n}-runs"
)
async def test_concurrent_runs_keep_their_own_traces_and_memory_returns_to_baseline(
    bridge: Bridge, pipeline: Pipeline, runs: int
) -> None:
    bridge()
    tracemalloc.start()
    try:
        # Warm-up, traced too, so that state replaced later is not counted as growth.
        check_outputs(await asyncio.gather(*(one_run(i) for i in range(runs))))
        pipeline.exporter.clear()
        gc.collect()
        baseline = tracemalloc.get_traced_memory()[0]
        outputs = await asyncio.gather(*(one_run(i) for i in range(runs)))
        check_outputs(outputs)
        check_traces(pipeline.spans, runs)
        del outputs
        pipeline.exporter.clear()
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert growth < BYTES_PER_RUN * runs, f"{growth / 1024:.0f} KiB still held after {runs} runs"
    assert_nothing_current()


def test_threads_of_run_sync_keep_their_own_traces(bridge: Bridge, pipeline: Pipeline) -> None:
    bridge()
    threads, per_thread = 8, 5
    outputs: dict[int, tuple[Any, list[Any]]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def worker(t: int) -> None:
        try:
            start.wait(10)
            for k in range(per_thread):
                i = t * per_thread + k
                agent = two_agents(i, tag=i % POOL)
                result = Runner.run_sync(agent, f"question {i}", run_config=config(i))
                tools = [x.output for x in result.new_items if isinstance(x, ToolCallOutputItem)]
                outputs[i] = (result.final_output, tools)
        except BaseException as error:  # reported below
            errors.append(error)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(60)
    assert not errors, errors
    runs = threads * per_thread
    check_outputs([outputs[i] for i in range(runs)])
    check_traces(pipeline.spans, runs)
    assert_nothing_current()
