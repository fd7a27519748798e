"""Static checks of the dashboards' Tempo (TraceQL) queries: fast, offline, in `make test`.

Every Tempo query of every dashboard, its Grafana variables substituted, must parse
(`_traceql.py`: strict, so a typo fails here and not as an empty panel), use the provisioned
Tempo datasource, and read only span attributes the project emits: attributes seen on the spans
of a real run of every demo scenario through the bridge, in both profiles, with a conversation
id and a user id. The Conversation dashboard's panels are then run, with a tiny evaluator, on
those spans: each selects spans of the conversation it is given and none of another. Tempo
itself runs the queries in the Docker tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from otel_agents.otel import semconv as sc
from semconv.conftest import GROUP_ID, PROFILES, SCENARIOS, _run

from . import _traceql as tq
from ._stack import DASHBOARDS, DEPLOY, load_dashboard, load_yaml, panel_queries, substitute

TEMPO_QUERIES = [
    q for path in DASHBOARDS for q in panel_queries(path) if q.datasource_type == "tempo"
]
CONVERSATION = next(p for p in DASHBOARDS if p.name == "conversation.json")
RECENT = "Recent conversations"  # the one panel not about the conversation in the box
# Span attributes a dashboard may read that no scripted run reports (the scripted model has no
# cached or reasoning tokens); each must still be a name of semconv.py.
NOT_EXERCISED = frozenset(
    {
        sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
        sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
        sc.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    }
)
RESOURCE_ATTRIBUTES = frozenset({"service.name"})


def _facts(span: ReadableSpan) -> tq.SpanFacts:
    status = {StatusCode.ERROR: "error", StatusCode.OK: "ok"}.get(span.status.status_code, "unset")
    start, end = span.start_time or 0, span.end_time or 0
    return tq.SpanFacts(
        name=span.name,
        kind=span.kind.name.lower(),
        status=status,
        duration_s=(end - start) / 1e9,
        attributes=dict(span.attributes or {}),
        resource=dict(span.resource.attributes),
    )


@pytest.fixture(scope="module")
def spans() -> Iterator[dict[str, list[tq.SpanFacts]]]:
    """Every demo scenario's spans, per profile, from runs whose group_id is GROUP_ID."""
    out: dict[str, list[tq.SpanFacts]] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OTEL_AGENTS_STRICT", "1")
        mp.delenv("OTEL_AGENTS_SEMCONV", raising=False)
        from otel_agents.tracing import get_trace_provider

        provider = get_trace_provider()
        state = provider.snapshot()
        try:
            for profile in PROFILES:
                out[profile] = [
                    _facts(s)
                    for scenario in SCENARIOS.values()
                    for s in _run(profile, scenario, stream=False, content=False).spans
                ]
        finally:
            provider.restore(state)
    yield out


def _parsed(query: Any, dashboard: dict[str, Any] | None = None) -> tq.Query:
    return tq.parse(substitute(query.expr, dashboard or load_dashboard(_path(query))))


def _path(query: Any) -> Any:
    return next(p for p in DASHBOARDS if p.stem == query.dashboard)


@pytest.mark.parametrize("query", TEMPO_QUERIES, ids=lambda q: q.id)
def test_every_tempo_query_parses_and_uses_the_tempo_datasource(query: Any) -> None:
    assert query.datasource_uid == "tempo", query.id
    _parsed(query)


@pytest.mark.parametrize("query", TEMPO_QUERIES, ids=lambda q: q.id)
def test_tempo_queries_read_only_attributes_the_project_emits(
    query: Any, spans: dict[str, list[tq.SpanFacts]]
) -> None:
    emitted = {f"span.{k}" for facts in spans.values() for s in facts for k in s.attributes}
    emitted |= {f"span.{k}" for k in NOT_EXERCISED}
    emitted |= {f"resource.{k}" for k in RESOURCE_ATTRIBUTES}
    unknown = _parsed(query).fields - emitted
    assert not unknown, f"{query.id}: no span of a real run carries {sorted(unknown)}"


def test_not_exercised_attributes_are_names_of_the_names_module() -> None:
    names = {v for k, v in vars(sc).items() if k.isupper() and isinstance(v, str)}
    assert names >= NOT_EXERCISED


def test_the_conversation_dashboard_asks_for_one_conversation() -> None:
    dashboard = load_dashboard(CONVERSATION)
    [variable] = [v for v in dashboard["templating"]["list"] if v["name"] == "conversation"]
    assert variable["type"] == "textbox"  # any id: Tempo lists no attribute values to pick from
    queries = panel_queries(CONVERSATION)
    assert {q.panel for q in queries} >= {
        RECENT,
        "Runs (turns) of the conversation",
        "Model calls: tokens and cost",
        "Errors",
    }
    assert all(q.datasource_type == "tempo" for q in queries)
    for query in queries:
        wanted = f'span.{sc.GEN_AI_CONVERSATION_ID} = "$conversation"'
        assert (wanted in query.expr) is (query.panel != RECENT), query.id


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(
    "query", panel_queries(CONVERSATION), ids=lambda q: re.sub(r"\W+", "-", q.panel)
)
def test_each_conversation_panel_selects_that_conversation_only(
    query: Any, profile: str, spans: dict[str, list[tq.SpanFacts]]
) -> None:
    dashboard = load_dashboard(CONVERSATION)
    given = {**dashboard["templating"]["list"][0], "current": {"value": GROUP_ID}}
    ours = tq.parse(substitute(query.expr, {"templating": {"list": [given]}}))
    selected = [s for s in spans[profile] if tq.matches(ours, s)]
    assert selected, f"{query.id} selects no span of a real run ({profile})"
    assert all(s.attributes.get(sc.GEN_AI_CONVERSATION_ID) == GROUP_ID for s in selected)
    other = {**given, "current": {"value": "another-conversation"}}
    theirs = tq.parse(substitute(query.expr, {"templating": {"list": [other]}}))
    if query.panel != RECENT:
        assert not [s for s in spans[profile] if tq.matches(theirs, s)], query.id


def test_the_collectors_span_metrics_never_carry_conversation_or_user_ids() -> None:
    """The Collector derives metrics from spans (traces_span_metrics_*): a conversation or user
    id as a dimension would make a series per conversation, like a metric attribute would."""
    config = load_yaml(DEPLOY / "otel-collector.yaml")
    connectors = [c for name, c in config["connectors"].items() if name.startswith("span")]
    dimensions = {d["name"] for c in connectors for d in c.get("dimensions", [])}
    assert dimensions and not dimensions & {sc.GEN_AI_CONVERSATION_ID, sc.USER_ID}


@pytest.mark.parametrize(
    "bad",
    [
        '{ span.gen_ai.operation.name = "chat" ',  # unclosed
        '{ gen_ai.operation.name = "chat" }',  # unscoped
        "{ status = failed }",  # not a status
        '{ span.a = "x" } | rate()',  # a stage the checks do not know
        '{ span.a = "x" && }',
        "{ span.a =~ 3 }",
        '{ span.a = "x" } select(span.b)',
    ],
)
def test_the_parser_rejects_what_it_does_not_know(bad: str) -> None:
    with pytest.raises(tq.TraceQLError):
        tq.parse(bad)


def test_the_parser_and_evaluator_on_known_queries() -> None:
    query = tq.parse(
        '{ status = error || (span.op =~ "a|b" && duration > 10s) } | select(span.x, resource.y)'
    )
    assert query.fields == {"span.op", "span.x", "resource.y"}
    facts = tq.SpanFacts("n", "internal", "unset", 11.0, {"op": "b"}, {})
    assert tq.matches(query, facts)
    assert not tq.matches(query, tq.SpanFacts("n", "internal", "unset", 9.0, {"op": "b"}, {}))
    assert not tq.matches(query, tq.SpanFacts("n", "internal", "unset", 11.0, {"op": "ab"}, {}))
    assert tq.matches(query, tq.SpanFacts("n", "internal", "error", 0.0, {}, {}))
    exists = tq.parse("{ span.x != nil }")
    assert tq.matches(exists, tq.SpanFacts("n", "internal", "unset", 0.0, {"x": 1}, {}))
    assert not tq.matches(exists, tq.SpanFacts("n", "internal", "unset", 0.0, {}, {}))
