"""Shapes the spec states in prose, on the same runs: what a `Runner.run` is, how a handoff and a
guardrail verdict are reported. Each test quotes the sentence it checks (revision: spec/README.md).
"""

from __future__ import annotations

from typing import Any

from .conftest import OPERATION, Capture, attrs, events, metric, points, spans_of

TRANSFER_MODE = "gen_ai.transfer.mode"
TRANSFER_TARGET = "gen_ai.transfer.target.name"


def _root(run: Capture) -> Any:
    ids = {s.context.span_id for s in run.spans}
    roots = [s for s in run.spans if s.parent is None or s.parent.span_id not in ids]
    assert len(roots) == 1, f"{run.id}: roots {[s.name for s in roots]}"
    return roots[0]


def _parent(run: Capture, span: Any) -> Any:
    parent = span.parent.span_id if span.parent else None
    return next((s for s in run.spans if s.context.span_id == parent), None)


def _multi_agent(run: Capture) -> bool:
    return bool(run.scenario.build().handoffs)


def test_what_a_runner_run_is(run: Capture) -> None:
    """Default (3b4063d, invoke_workflow note): "It SHOULD NOT be reported for standalone agent
    invocations"; for OpenAI Agents a workflow is "Runner.run(starting_agent=...) with handoffs,
    sub-agents, or agents-as-tools"; `gen_ai.workflow.name` is the name the application gave.
    Newest (e9de14b, #571): one `Runner.run(starting_agent=...)` call is
    `handle_conversation_turn`, its `gen_ai.agent.name` the entry-point agent, and
    "`RunConfig.workflow_name` is not recorded"."""
    root = _root(run)
    values = attrs(root)
    entry = run.scenario.build().name
    if run.profile == "newest":
        assert values.get(OPERATION) == "handle_conversation_turn", f"{run.id}: root {root.name!r}"
        assert values.get("gen_ai.agent.name") == entry, f"{run.id}: {values}"
        assert values.get("gen_ai.workflow.name") != run.scenario.workflow_name, f"{run.id}"
        assert root.name == f"handle_conversation_turn {entry}", f"{run.id}: {root.name!r}"
        assert not spans_of(run, "invoke_workflow"), f"{run.id}: invoke_workflow in a Runner.run"
    elif _multi_agent(run):
        assert values.get(OPERATION) == "invoke_workflow", f"{run.id}: root {root.name!r}"
        assert values.get("gen_ai.workflow.name") == run.scenario.workflow_name, f"{run.id}"
    else:
        assert values.get(OPERATION) == "invoke_agent", f"{run.id}: root {root.name!r}"
        assert values.get("gen_ai.agent.name") == entry, f"{run.id}: {values}"


def test_one_top_level_invocation_per_turn(run: Capture) -> None:
    """Newest (#571): `gen_ai.invocation.is_nested` is "`false` on the root invocation of a turn
    in the process ... `true` on every invocation nested inside another", and the duration is
    "Recorded for every gen_ai.invocation.internal operation at any nesting depth"."""
    if run.profile != "newest":
        return
    found = metric(run, "gen_ai.invocation.duration")
    assert found is not None, f"{run.id}: no gen_ai.invocation.duration"
    top = sum(
        p.count for p in points(found) if attrs(p).get("gen_ai.invocation.is_nested") is False
    )
    nested = sum(
        p.count for p in points(found) if attrs(p).get("gen_ai.invocation.is_nested") is True
    )
    invocations = len(spans_of(run, "invoke_agent")) + len(
        spans_of(run, "handle_conversation_turn")
    )
    assert top == 1, f"{run.id}: {top} top-level invocations in one turn"
    assert top + nested == invocations, (
        f"{run.id}: {top + nested} points for {invocations} invocations"
    )


def test_tools_name_the_agent_executing_them(run: Capture) -> None:
    """execute_tool: `gen_ai.agent.name` "The human-readable name of the agent executing the
    tool", Conditionally Required "When applicable" (always, in an agent run)."""
    for span in spans_of(run, "execute_tool"):
        agent = _parent(run, span)
        while agent is not None and attrs(agent).get(OPERATION) != "invoke_agent":
            agent = _parent(run, agent)
        assert agent is not None, f"{run.id}: {span.name!r} is not inside an invoke_agent span"
        name = attrs(span).get("gen_ai.agent.name")
        assert name == attrs(agent).get("gen_ai.agent.name"), f"{run.id}: {span.name!r}: {name!r}"


def test_handoff_is_a_transfer_tool(run: Capture) -> None:
    """Newest (#447, `gen_ai.execute_tool.transfer.internal`): a transfer is an execute_tool span
    with `gen_ai.transfer.mode` and `gen_ai.transfer.target.name`; "`gen_ai.agent.*` continues to
    identify the agent executing the tool"; "The target agent's execution can be recorded as a
    separate invoke_agent INTERNAL span" (nested under the transfer, issue 12)."""
    if run.profile != "newest" or not _multi_agent(run):
        return
    transfers = [s for s in spans_of(run, "execute_tool") if TRANSFER_MODE in attrs(s)]
    assert len(transfers) == 1, f"{run.id}: transfers {[s.name for s in transfers]}"
    span = transfers[0]
    values = attrs(span)
    source = run.scenario.build()
    target = source.handoffs[0]
    target_name = getattr(target, "name", None) or target.agent_name
    assert values[TRANSFER_MODE] == "pass_control", f"{run.id}: {values}"
    assert values[TRANSFER_TARGET] == target_name, f"{run.id}: {values}"
    assert values["gen_ai.agent.name"] == source.name, f"{run.id}: {values}"
    assert values["gen_ai.tool.name"].startswith("transfer_to_"), f"{run.id}: {values}"
    children = [s for s in spans_of(run, "invoke_agent") if _parent(run, s) is span]
    assert [attrs(s)["gen_ai.agent.name"] for s in children] == [target_name], f"{run.id}"


def test_guardrail_verdict_is_a_result_event(run: Capture) -> None:
    """#427 (gen-ai-guardrails.md, "OpenAI Agents"): "Instrumentation can emit a result event from
    the guardrail result object": component.name = <guardrail name>, source = <input, output,
    tool_input, or tool_output>, result.type = "tripwire_triggered", result.value =
    <tripwire_triggered as a string>."""
    guardrails = run.scenario.build().input_guardrails
    results = [r for r in events(run) if r.event_name == "gen_ai.guardrail.result"]
    assert len(results) == len(guardrails), (
        f"{run.id}: {len(results)} results for {len(guardrails)}"
    )
    for record, guardrail in zip(results, guardrails, strict=True):
        values = dict(record.attributes or {})
        assert values.get("gen_ai.guardrail.component.name") == guardrail.get_name(), values
        assert values.get("gen_ai.guardrail.source") == "input", values
        assert values.get("gen_ai.guardrail.result.type") == "tripwire_triggered", values
        assert values.get("gen_ai.guardrail.result.value") == "false", values
