"""Conversations on the upstream SDK's runner (issue 16, items 3 and 6): two runs of one
conversation, each in the trace the SDK's runner opens from `RunConfig(group_id=...,
trace_metadata={"user.id": ...})`, export the same trees, log records and metric points as the
same runs on otel-agents' runner; every span and log record carries both ids, no metric point
carries either."""

from __future__ import annotations

from typing import Any

import pytest

from otel._trees import Pipeline

from .conftest import Bridge
from .differences import expected_sdk_tree
from .scenarios import GROUP_ID, USER_ID, Options, run_ours, run_sdk

IDS = {"gen_ai.conversation.id": GROUP_ID, "user.id": USER_ID}
PROFILES = pytest.mark.parametrize("profile", ["default", "newest"])


def _ids_everywhere(pipeline: Pipeline) -> None:
    finished = pipeline.exporter.get_finished_spans()
    assert len({s.context.trace_id for s in finished}) == 2, "one trace per run"
    nodes = pipeline.nodes()
    missing = [n.name for n in nodes if {k: n.attributes.get(k) for k in IDS} != IDS]
    assert not missing, missing
    logs = pipeline.logs()
    assert logs
    missing = [r.event_name for r in logs if {k: r.attributes.get(k) for k in IDS} != IDS]
    assert not missing, missing


def _leaks(pipeline: Pipeline) -> list[tuple[str, str]]:
    data = pipeline.reader.get_metrics_data()
    leaks: list[tuple[str, str]] = []
    count = 0
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                for point in metric.data.data_points:
                    count += 1
                    attrs: dict[str, Any] = dict(point.attributes or {})
                    leaks += [
                        (metric.name, k)
                        for k, v in attrs.items()
                        if k in IDS or v in (GROUP_ID, USER_ID)
                    ]
    assert count, "no metric point at all"
    return leaks


@PROFILES
async def test_a_conversation_on_the_sdk_carries_its_ids_as_ours_does(
    profile: str,
    sdk_bridge: Bridge,
    our_bridge: Bridge,
    pipeline: Pipeline,
    our_pipeline: Pipeline,
) -> None:
    sdk_bridge(semconv=profile)
    our_bridge(semconv=profile)
    plain, streamed = Options(conversation=True), Options(conversation=True, stream=True)
    for options in (plain, streamed):
        await run_sdk(options)
        await run_ours(options)
    _ids_everywhere(pipeline)
    _ids_everywhere(our_pipeline)
    assert _leaks(pipeline) == [] and _leaks(our_pipeline) == []
    ours = our_pipeline.tree()
    assert len(ours) == 2
    expected = [
        expected_sdk_tree([root], o)[0] for root, o in zip(ours, (plain, streamed), strict=True)
    ]
    assert pipeline.tree() == expected
