"""The current trace and span: restoring, out-of-order ends, other tasks, concurrency."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from typing import Any

from otel_agents.tracing import (
    agent_span,
    custom_span,
    function_span,
    generation_span,
    get_current_span,
    get_current_trace,
    trace,
)
from support.tracing_recorder import RecordingProcessor


def test_with_blocks_set_and_restore_the_current_trace_and_span(
    recorder: RecordingProcessor,
) -> None:
    assert (get_current_trace(), get_current_span()) == (None, None)
    with trace("current") as t:
        assert (get_current_trace(), get_current_span()) == (t, None)
        with agent_span("A") as a:
            assert get_current_span() is a
            with custom_span("c") as c:
                assert get_current_span() is c
            assert get_current_span() is a
        assert (get_current_trace(), get_current_span()) == (t, None)
    assert (get_current_trace(), get_current_span()) == (None, None)


def test_spans_started_without_mark_as_current_do_not_become_current(
    recorder: RecordingProcessor,
) -> None:
    with trace("plain"), agent_span("A") as a:
        side = custom_span("side")
        side.start()
        assert get_current_span() is a
        side.finish(reset_current=True)  # resetting a span that was never current is harmless
        assert get_current_span() is a


def test_out_of_order_finish_restores_the_nearest_live_span(recorder: RecordingProcessor) -> None:
    with trace("out-of-order"):
        outer = custom_span("outer")
        outer.start(mark_as_current=True)
        inner = custom_span("inner")
        inner.start(mark_as_current=True)
        outer.finish(reset_current=True)
        assert get_current_span() is inner  # a live current span is left alone
        inner.finish(reset_current=True)
        assert get_current_span() is None  # not `outer`, which has ended
    recorder.assert_well_formed()


def test_nested_trace_starts_a_separate_tree(recorder: RecordingProcessor) -> None:
    with trace("outer") as outer, agent_span("A") as a:
        with trace("inner") as inner:
            assert get_current_span() is None
            with custom_span("in-inner") as span:
                pass
        assert (get_current_trace(), get_current_span()) == (outer, a)
    assert span.trace_id == inner.trace_id
    assert span.parent_id is None
    assert [t["name"] for t in recorder.trees()] == ["outer", "inner"]
    recorder.assert_well_formed()


async def test_a_span_may_end_in_another_task(recorder: RecordingProcessor) -> None:
    with trace("handover"):
        span = generation_span(model="m")
        span.start(mark_as_current=True)

        async def finish_elsewhere() -> Any:
            assert get_current_span() is span  # the task copied our context
            span.finish(reset_current=True)
            return get_current_span()

        assert await asyncio.create_task(finish_elsewhere()) is None
        assert span.end_time_ns is not None
        # Our own context still names the ended span; the next reset here cleans it up.
        assert get_current_span() is span
        with custom_span("after") as after:
            pass
        assert get_current_span() is None
    assert after.parent_id == span.span_id
    recorder.assert_well_formed()


async def test_an_async_generator_closed_from_another_task_ends_its_span(
    recorder: RecordingProcessor,
) -> None:
    async def chunks() -> AsyncGenerator[int, None]:
        with custom_span("streaming"):
            yield 1
            yield 2

    with trace("abandoned"):
        stream = chunks()
        assert await stream.__anext__() == 1
        # aclose() from another task: a ContextVar token reset would raise here.
        await asyncio.create_task(stream.aclose())
    assert [kind for kind, _ in recorder.events] == [
        "trace_start",
        "span_start",
        "span_end",
        "trace_end",
    ]
    assert recorder.spans[0].error is None
    recorder.assert_well_formed()


async def test_concurrent_tasks_keep_separate_trees(recorder: RecordingProcessor) -> None:
    async def run(index: int) -> None:
        with trace(f"run-{index}"), agent_span(f"agent-{index}"):
            await asyncio.sleep(0)
            with generation_span(model=f"model-{index}"):
                await asyncio.sleep(0)
            with function_span(f"tool-{index}"):
                await asyncio.sleep(0)
                with custom_span(f"custom-{index}"):
                    await asyncio.sleep(0)

    await asyncio.gather(*(run(i) for i in range(100)))

    trees = sorted(recorder.trees(), key=lambda tree: int(tree["name"].split("-")[1]))
    assert trees == [_expected_tree(i) for i in range(100)]
    recorder.assert_well_formed()
    # Interleaved for real: some trace started before an earlier one ended.
    kinds = [kind for kind, _ in recorder.events]
    assert kinds.index("trace_end") > kinds.index("trace_start", 1)


def test_threads_keep_separate_trees(recorder: RecordingProcessor) -> None:
    threads_count, per_thread = 8, 10
    barrier = threading.Barrier(threads_count)
    failures: list[BaseException] = []

    def work(thread_index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for j in range(per_thread):
                run(thread_index * per_thread + j)
        except BaseException as error:  # surfaced below: a thread's failure must fail the test
            failures.append(error)

    def run(index: int) -> None:
        with trace(f"run-{index}"), agent_span(f"agent-{index}"):
            with generation_span(model=f"model-{index}"):
                pass
            with function_span(f"tool-{index}"), custom_span(f"custom-{index}"):
                pass

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures
    trees = sorted(recorder.trees(), key=lambda tree: int(tree["name"].split("-")[1]))
    assert trees == [_expected_tree(i) for i in range(threads_count * per_thread)]
    recorder.assert_well_formed()
    assert get_current_trace() is None  # nothing leaked into this thread


def _expected_tree(index: int) -> dict[str, Any]:
    return {
        "type": "trace",
        "name": f"run-{index}",
        "children": [
            {
                "type": "agent",
                "name": f"agent-{index}",
                "children": [
                    {"type": "generation", "name": f"model-{index}"},
                    {
                        "type": "function",
                        "name": f"tool-{index}",
                        "children": [{"type": "custom", "name": f"custom-{index}"}],
                    },
                ],
            }
        ],
    }
