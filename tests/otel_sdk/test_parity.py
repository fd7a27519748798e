"""The same scenario on otel-agents' runner and on the upstream SDK's: the same OTel trees and
metrics, except the documented differences (differences.py)."""

from __future__ import annotations

from typing import Any

import pytest

from otel._trees import Pipeline

from .conftest import Bridge
from .differences import expected_sdk_tree
from .scenarios import Options, run_ours, run_sdk

CASES = [
    pytest.param(Options(), id="run"),
    pytest.param(Options(stream=True), id="streamed"),
    pytest.param(Options(turn_spans=False), id="run-no-task-turn-spans"),
    pytest.param(Options(stream=True, turn_spans=False), id="streamed-no-task-turn-spans"),
    pytest.param(Options(output_guardrail=True), id="output-guardrail"),
    pytest.param(Options(sensitive=False), id="sdk-without-sensitive-data"),
]


PROFILES = pytest.mark.parametrize("profile", ["default", "newest"])


@PROFILES
@pytest.mark.parametrize("options", CASES)
async def test_sdk_tree_is_ours_but_for_the_documented_differences(
    options: Options,
    profile: str,
    sdk_bridge: Bridge,
    our_bridge: Bridge,
    pipeline: Pipeline,
    our_pipeline: Pipeline,
) -> None:
    sdk_bridge(semconv=profile)
    our_bridge(semconv=profile)
    await run_sdk(options)
    await run_ours(options)
    ours = our_pipeline.tree()
    assert [n["name"] for n in ours] == ["invoke_workflow customer_support"]
    assert pipeline.tree() == expected_sdk_tree(ours, options)


def _logs(pipeline: Pipeline) -> list[tuple[str, str, list[tuple[str, Any]]]]:
    """Every log record: (event name, severity, sorted attributes), in emission order.

    Content is compared by presence: the two runners word a failed tool's error text for the
    model differently, and the scenario's SDK model server does not echo instructions in its
    `Response`, where the adapter reads them (so `gen_ai.system_instructions` is left out)."""
    content = {"gen_ai.input.messages", "gen_ai.output.messages"}
    return [
        (
            row.event_name,
            row.severity,
            sorted(
                (k, "<content>" if k in content else repr(v))
                for k, v in row.attributes.items()
                if k != "gen_ai.system_instructions"
            ),
        )
        for row in pipeline.logs()
    ]


@PROFILES
@pytest.mark.parametrize("capture", ["NO_CONTENT", "SPAN_AND_EVENT"])
async def test_sdk_log_records_are_ours(
    profile: str,
    capture: str,
    sdk_bridge: Bridge,
    our_bridge: Bridge,
    pipeline: Pipeline,
    our_pipeline: Pipeline,
) -> None:
    sdk_bridge(semconv=profile, capture_content=capture)
    our_bridge(semconv=profile, capture_content=capture)
    await run_sdk(Options())
    await run_ours(Options())
    ours = _logs(our_pipeline)
    names = [name for name, _, _ in ours]
    assert "gen_ai.guardrail.result" in names
    assert ("gen_ai.client.inference.operation.details" in names) is (capture != "NO_CONTENT")
    assert _logs(pipeline) == ours


def _points(pipeline: Pipeline) -> dict[str, list[tuple[tuple[tuple[str, Any], ...], Any]]]:
    """Every metric point: name -> sorted (attributes, sum or count)."""
    out: dict[str, list[tuple[tuple[tuple[str, Any], ...], Any]]] = {}
    data = pipeline.reader.get_metrics_data()
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                out[metric.name] = sorted(
                    (
                        tuple(sorted((p.attributes or {}).items())),
                        getattr(p, "value", None) or getattr(p, "count", None),
                    )
                    for p in metric.data.data_points
                )
    return out


@PROFILES
async def test_sdk_metrics_are_ours_but_for_the_failing_tools_error_type(
    profile: str,
    sdk_bridge: Bridge,
    our_bridge: Bridge,
    pipeline: Pipeline,
    our_pipeline: Pipeline,
) -> None:
    sdk_bridge(semconv=profile)
    our_bridge(semconv=profile)
    await run_sdk(Options())
    await run_ours(Options())
    ours, theirs = _points(our_pipeline), _points(pipeline)
    assert set(ours) == set(theirs)
    assert {"otel_agents.runs", "otel_agents.tool.calls", "otel_agents.handoffs"} <= set(ours)
    for name in ours:
        expected = [
            (tuple((k, "_OTHER" if k == "error.type" else v) for k, v in attrs), value)
            for attrs, value in ours[name]
        ]
        assert theirs[name] == sorted(expected), name
