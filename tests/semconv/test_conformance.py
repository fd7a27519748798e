"""Every demo scenario, in both profiles, against the rules of the spec files vendored in spec/.

Spans: each `gen_ai.operation.name` maps to a span type of the profile's spec revision; the span's
kind is that type's; its Required attributes are there; it carries no attribute the type (or an
applicable refinement) does not define, except our own `otel_agents.*`. Metrics: every `gen_ai.*`
instrument is one the revision defines, with its instrument type, unit and advisory buckets, and
each point has the Required attributes and no undefined ones. Log records: every `gen_ai.*` event is
one the revision defines, with the severity its note asks for, its Required attributes, and the ids
of a span. A few rules the spec states in prose are checked where a run decides them (see each
test's docstring for the sentence).
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics.export import Histogram, Sum
from opentelemetry.trace import SpanKind, StatusCode

from . import rules
from .conftest import GROUP_ID, OPERATION, Capture, attrs, events, gen_ai_spans, metric, points

OURS = "otel_agents."
# Attributes of the general registry (not gen_ai) an app opts into through documented settings:
# `user.id` ("Unique identifier of the user") from the trace metadata key "user.id". The registry
# lets any convention's spans carry its attributes; the GenAI span types simply do not list them.
GENERAL_REGISTRY = frozenset({"user.id"})
CONTENT = ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")


def _defined(spec: rules.Rules, span_type: str, values: dict[str, Any]) -> dict[str, rules.Attr]:
    """The span type's attributes plus those of each refinement that applies to this span: the
    OpenAI one when the provider is openai, the others when the span carries one of their attrs."""
    defined = dict(spec.spans[span_type])
    for rid, extra in spec.refinements_of(span_type).items():
        if rid.startswith("openai.") and values.get("gen_ai.provider.name") != "openai":
            continue
        if rid.startswith("openai.") or any(name in values for name in extra):
            defined.update(extra)
    return defined


def _missing(defined: dict[str, rules.Attr], values: dict[str, Any]) -> list[str]:
    required = (a.name for a in defined.values() if a.level == rules.REQUIRED)
    return sorted(name for name in required if name not in values)


def test_every_run_produced_gen_ai_spans(run: Capture) -> None:
    assert gen_ai_spans(run), f"{run.id}: no span with {OPERATION}"


def test_span_operations_map_to_spec_span_types(run: Capture) -> None:
    spec = rules.load(run.profile)
    for span in gen_ai_spans(run):
        operation = attrs(span)[OPERATION]
        span_type = spec.span_type(operation)
        assert span_type, (
            f"{run.id}: span {span.name!r}: operation {operation!r} not in {spec.operations}"
        )
        kind = SpanKind[spec.span_kinds[span_type].upper()]
        assert span.kind == kind, (
            f"{run.id}: {span.name!r} ({span_type}) is {span.kind}, spec: {kind}"
        )


def test_required_span_attributes(run: Capture) -> None:
    spec = rules.load(run.profile)
    for span in gen_ai_spans(run):
        values = attrs(span)
        span_type = spec.span_type(values[OPERATION])
        if span_type is None:
            continue  # reported by test_span_operations_map_to_spec_span_types
        defined = _defined(spec, span_type, values)
        missing = _missing(defined, values)
        assert not missing, f"{run.id}: {span.name!r} ({span_type}) lacks Required {missing}"


def test_no_attributes_outside_spec_or_our_namespace(run: Capture) -> None:
    spec = rules.load(run.profile)
    problems = set()
    for span in gen_ai_spans(run):
        values = attrs(span)
        span_type = spec.span_type(values[OPERATION])
        if span_type is None:
            continue
        defined = _defined(spec, span_type, values)
        extra = sorted(
            k
            for k in values
            if k not in defined and not k.startswith(OURS) and k not in GENERAL_REGISTRY
        )
        if extra:
            problems.add(f"{span_type} carries undefined {extra}")
    assert not problems, f"{run.id}:\n" + "\n".join(sorted(problems))


def test_conditionally_required_conversation_id_and_error_type(run: Capture) -> None:
    """`gen_ai.conversation.id`: "If and only if the instrumented library has one readily
    available, or the user application provides one" (the run's `group_id`). `error.type`: "If the
    operation ended in an error" (the span's status is ERROR)."""
    spec = rules.load(run.profile)
    for span in gen_ai_spans(run):
        values = attrs(span)
        span_type = spec.span_type(values[OPERATION])
        if span_type is None:
            continue
        defined = _defined(spec, span_type, values)
        if "gen_ai.conversation.id" in defined:
            assert values.get("gen_ai.conversation.id") == GROUP_ID, f"{run.id}: {span.name!r}"
        failed = span.status.status_code == StatusCode.ERROR
        assert ("error.type" in values) == failed, (
            f"{run.id}: {span.name!r}: status {span.status.status_code.name}, "
            f"error.type={values.get('error.type')!r}"
        )


def test_request_stream_only_on_streamed_inference(run: Capture) -> None:
    """`gen_ai.request.stream` is defined on the inference span only: "If and only if the request
    is streaming. If unset, the request is assumed to be non-streaming." """
    spec = rules.load(run.profile)
    inference = spec.span_type("chat")
    for span in gen_ai_spans(run):
        values = attrs(span)
        if spec.span_type(values[OPERATION]) == inference:
            expected = True if run.stream else None
            assert values.get("gen_ai.request.stream") == expected, f"{run.id}: {span.name!r}"


def test_metrics_are_the_spec_instruments(run: Capture) -> None:
    spec = rules.load(run.profile)
    problems = []
    for m in run.metrics:
        if not m.name.startswith("gen_ai."):
            continue
        want = spec.metrics.get(m.name)
        if want is None and m.name in rules.UNREAD_METRICS:
            continue  # tests/otel/test_cost.py checks what we emit for it
        if want is None:
            problems.append(f"{m.name} is not a metric of {run.profile}")
            continue
        if m.unit != want.unit:
            problems.append(f"{m.name} unit {m.unit!r}, spec {want.unit!r}")
        if want.instrument == "histogram":
            if not isinstance(m.data, Histogram):
                problems.append(f"{m.name} is not a histogram")
                continue
            assert want.buckets is not None, f"spec/ has no buckets for {m.name}"
            for point in points(m)[:1]:
                got = tuple(float(b) for b in point.explicit_bounds)
                if got != want.buckets:
                    problems.append(f"{m.name} buckets {got}, spec {want.buckets}")
        elif want.instrument == "counter" and not (isinstance(m.data, Sum) and m.data.is_monotonic):
            problems.append(f"{m.name} is not a monotonic counter")
    assert not problems, f"{run.id}:\n" + "\n".join(problems)


def test_metric_point_attributes(run: Capture) -> None:
    spec = rules.load(run.profile)
    problems = set()
    for m in run.metrics:
        want = spec.metrics.get(m.name)
        if want is None:
            continue
        for point in points(m):
            values = attrs(point)
            missing = _missing(want.attributes, values)
            extra = sorted(k for k in values if k not in want.attributes and not k.startswith(OURS))
            if missing:
                problems.add(f"{m.name} point lacks Required {missing}")
            if extra:
                problems.add(f"{m.name} point carries undefined {extra}")
    assert not problems, f"{run.id}:\n" + "\n".join(sorted(problems))


def test_chunk_metrics_only_for_streamed_calls(run: Capture) -> None:
    """time_to_first_chunk / time_per_output_chunk: "This metric SHOULD be reported for streaming
    calls and SHOULD NOT be reported otherwise." """
    spec = rules.load(run.profile)
    chunk_metrics = [
        n for n in spec.metrics if n.endswith(("time_to_first_chunk", "time_per_output_chunk"))
    ]
    assert len(chunk_metrics) == 2, chunk_metrics
    for name in chunk_metrics:
        found = metric(run, name)
        if run.stream:
            assert found is not None and points(found), f"{run.id}: no {name} on a streamed run"
        else:
            assert found is None or not points(found), f"{run.id}: {name} on a non-streamed run"


def test_time_per_output_chunk_counts_chunks_after_the_first(run: Capture) -> None:
    """ "recorded for each chunk received after the first one": over a run, the recordings number
    more than the streamed calls (each call streams several chunks), never one mean per call."""
    if not run.stream:
        return
    spec = rules.load(run.profile)
    first = next(n for n in spec.metrics if n.endswith("time_to_first_chunk"))
    per = next(n for n in spec.metrics if n.endswith("time_per_output_chunk"))
    calls = sum(p.count for p in points(metric(run, first)))
    chunks_after_first = sum(p.count for p in points(metric(run, per)))
    assert chunks_after_first > calls, (
        f"{run.id}: {chunks_after_first} per-chunk points for {calls} calls"
    )


def test_operation_duration_only_where_the_spec_puts_it(run: Capture) -> None:
    """Default: inference is a client operation. Newest (#521): `gen_ai.client.operation.duration`
    "SHOULD NOT be reported for inference operations; use gen_ai.client.inference.duration". Both:
    agents and workflows are never on it ("If instrumentation can only measure a single
    provider-facing client operation ... SHOULD be used instead")."""
    found = metric(run, "gen_ai.client.operation.duration")
    operations = {attrs(p).get(OPERATION) for p in points(found)}
    assert not operations & {
        "invoke_agent",
        "invoke_workflow",
        "handle_conversation_turn",
        "execute_tool",
    }
    if run.profile == "newest":
        assert "chat" not in operations, (
            f"{run.id}: inference points on gen_ai.client.operation.duration"
        )
        assert metric(run, "gen_ai.client.inference.duration") is not None
    else:
        assert "chat" in operations, (
            f"{run.id}: no inference points on gen_ai.client.operation.duration"
        )


def test_per_operation_metrics_are_recorded(run: Capture) -> None:
    """Issue 12, rule 5: duration metrics per operation, and the agent's call counts."""
    expected = {
        "default": ["gen_ai.invoke_agent.duration"],
        "newest": ["gen_ai.invocation.duration"],
    }[run.profile]
    expected += ["gen_ai.invoke_agent.inference_calls", "gen_ai.invoke_agent.tool_calls"]
    operations = {attrs(s).get(OPERATION) for s in run.spans}
    if "execute_tool" in operations:
        expected.append("gen_ai.execute_tool.duration")
    if run.profile == "default" and "invoke_workflow" in operations:
        expected.append("gen_ai.invoke_workflow.duration")
    absent = [n for n in expected if not (metric(run, n) and points(metric(run, n)))]
    assert not absent, f"{run.id}: no {absent}"


def test_events_are_spec_events_with_their_severity(run: Capture) -> None:
    spec = rules.load(run.profile)
    for record in events(run):
        name = record.event_name
        assert name in spec.events, f"{run.id}: event {name} is not an event of {run.profile}"
        want = spec.events[name]
        if want.severity_number is not None:
            got = record.severity_number.value if record.severity_number else None
            assert got == want.severity_number, (
                f"{run.id}: {name} severity {got}, spec {want.severity_number}"
            )


def test_event_required_attributes_and_span_ids(run: Capture) -> None:
    spec = rules.load(run.profile)
    for record in events(run):
        want = spec.events.get(record.event_name)
        if want is None:
            continue
        values = dict(record.attributes or {})
        missing = _missing(want.attributes, values)
        assert not missing, f"{run.id}: {record.event_name} lacks Required {missing}"
        assert record.trace_id and record.span_id, f"{run.id}: {record.event_name} has no span ids"


def test_details_event_per_model_call(run: Capture) -> None:
    """OTEL_INSTRUMENTATION_GENAI_EMIT_EVENT=true: one details event per inference span, with that
    span's ids."""
    spec = rules.load(run.profile)
    inference = spec.span_type("chat")
    calls = {
        s.context.span_id
        for s in gen_ai_spans(run)
        if spec.span_type(attrs(s)[OPERATION]) == inference
    }
    details = [
        r for r in events(run) if r.event_name == "gen_ai.client.inference.operation.details"
    ]
    assert {r.span_id for r in details} == calls, f"{run.id}: details events vs inference spans"


def test_content_on_events_is_structured(captures: dict[str, Capture]) -> None:
    """ "When the attribute is recorded on events, it MUST be recorded in structured form." """
    for profile in ("default", "newest"):
        run = captures[f"{profile}-support-stream-content"]
        found = 0
        for record in events(run):
            for key in CONTENT:
                value = (record.attributes or {}).get(key)
                if value is not None:
                    found += 1
                    assert not isinstance(value, str), (
                        f"{run.id}: {record.event_name} {key} is a string"
                    )
        assert found, f"{run.id}: no content on any event with EVENT_ONLY capture"


def test_the_default_and_newest_spec_differ_where_the_issue_says() -> None:
    """Guards the vendored files: the newest revision replaced what #521, #374 and #571 replaced."""
    default, newest = rules.load("default"), rules.load("newest")
    assert "gen_ai.client.token.usage" in default.metrics
    assert "gen_ai.client.token.usage" not in newest.metrics
    assert "gen_ai.invocation.duration" in newest.metrics
    assert "gen_ai.invoke_agent.duration" not in newest.metrics
    assert newest.span_type("handle_conversation_turn") == "gen_ai.invocation.internal"
    assert default.span_type("handle_conversation_turn") is None
    assert (
        newest.metrics["gen_ai.invocation.duration"].attributes["gen_ai.invocation.is_nested"].level
        == "required"
    )
    assert newest.events["gen_ai.guardrail.result"].attributes
