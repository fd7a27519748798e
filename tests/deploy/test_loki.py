"""Static checks of the stack's logs path (Collector -> Loki -> Grafana): fast, offline.

Loki cannot run here (no Docker engine, no package; tests/deploy/test_docker_loki.py runs it
where Docker exists), and no LogQL parser is installable, so this checks what can be checked
without one: Loki's config is a single-binary one that accepts OTLP (structured metadata on a v13
schema), every reference between the files resolves (the Collector's exporter, ports, the
datasource and its trace links), and every LogQL panel query is well formed and names only
labels, structured metadata, event names and values our log records carry in Loki
(tests/deploy/_events.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ._events import (
    EVENT_NAME_LABEL,
    EVENTS_BY_NAME,
    RECORD_METADATA,
    STREAM_LABELS,
    LogQLCheck,
    check_logql,
    loki_name,
)
from ._stack import DASHBOARDS, DATASOURCES, DEPLOY, load_yaml, panel_queries

LOKI_QUERIES = [
    q for path in DASHBOARDS for q in panel_queries(path) if q.datasource_type == "loki"
]


def loki() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(DEPLOY / "loki.yaml")
    return data


def compose() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(DEPLOY / "docker-compose.yaml")
    return data


def collector() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(DEPLOY / "otel-collector.yaml")
    return data


def datasources() -> dict[str, dict[str, Any]]:
    return {ds["uid"]: ds for path in DATASOURCES for ds in load_yaml(path)["datasources"]}


# --- Loki's config and its place in the compose file -------------------------------------------
def test_loki_is_a_single_binary_that_accepts_otlp() -> None:
    config = loki()
    assert config["auth_enabled"] is False  # one tenant: the Collector sends no X-Scope-OrgID
    # OTLP pushes are refused as malformed without structured metadata, which needs schema v13.
    assert config["limits_config"].get("allow_structured_metadata", True) is True
    schemas = config["schema_config"]["configs"]
    assert schemas[-1]["schema"] == "v13" and schemas[-1]["store"] == "tsdb"
    assert config["common"]["replication_factor"] == 1
    assert config["common"]["ring"]["kvstore"]["store"] == "inmemory"


def test_loki_stores_on_the_compose_volume() -> None:
    service = compose()["services"]["loki"]
    prefix = loki()["common"]["path_prefix"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    assert mounts.get(prefix) == "loki-data" and "loki-data" in compose()["volumes"]
    storage = loki()["common"]["storage"]["filesystem"]
    assert all(path.startswith(prefix + "/") for path in storage.values())
    config_file = next(a.split("=", 1)[1] for a in service["command"] if "config.file" in a)
    assert mounts[config_file] == "./loki.yaml"


def test_loki_port_is_the_one_everything_uses() -> None:
    port = loki()["server"]["http_listen_port"]
    service = compose()["services"]["loki"]
    assert service["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert datasources()["loki"]["url"] == f"http://loki:{port}"
    endpoint = collector()["exporters"]["otlp_http/loki"]["endpoint"]
    # The exporter appends /v1/logs: Loki's native OTLP ingest is /otlp/v1/logs.
    assert endpoint == f"http://loki:{port}/otlp"


def test_the_collector_and_grafana_wait_for_a_healthy_loki() -> None:
    services = compose()["services"]
    assert services["loki"]["healthcheck"]["test"] == ["CMD", "/usr/bin/loki", "-health"]
    for name in ("otel-collector", "grafana"):
        assert services[name]["depends_on"]["loki"] == {"condition": "service_healthy"}


# --- the Collector's logs pipeline --------------------------------------------------------------
def test_the_logs_pipeline_sends_otlp_logs_to_loki_only() -> None:
    config = collector()
    logs = config["service"]["pipelines"]["logs"]
    assert logs["receivers"] == ["otlp"]
    assert logs["exporters"] == ["otlp_http/loki"]
    # memory_limiter first, batch last (the Collector's advice); the event-name copy in between.
    assert logs["processors"] == ["memory_limiter", "transform/events", "batch"]


def test_the_collector_copies_the_event_name_where_loki_37_keeps_it() -> None:
    statements = collector()["processors"]["transform/events"]["log_statements"]
    # Loki 3.7 drops the OTLP event_name field; an `event.name` attribute arrives as event_name.
    copy = 'set(log.attributes["event.name"], log.event_name) where log.event_name != ""'
    assert copy in statements
    assert loki_name("event.name") == EVENT_NAME_LABEL == "event_name"
    # The body is only filled where the app left it empty.
    bodies = [s for s in statements if s.startswith("set(log.body")]
    assert all("where log.body == nil" in s for s in bodies)


# --- Grafana: the Loki datasource and the trace <-> log links ----------------------------------
def test_log_records_link_to_their_trace_in_tempo_and_jaeger() -> None:
    sources = datasources()
    fields = sources["loki"]["jsonData"]["derivedFields"]
    assert {f["datasourceUid"] for f in fields} == {"tempo", "jaeger"}
    for derived in fields:
        # The trace id is structured metadata, not in the line: matched by name, not by regex.
        assert derived["matcherType"] == "label"
        assert derived["matcherRegex"] == "trace_id" and "trace_id" in RECORD_METADATA
        assert derived["url"] == "$${__value.raw}"  # `$$`: a literal `$` in provisioning files


@pytest.mark.parametrize("uid", ["tempo", "jaeger"])
def test_spans_link_to_their_log_records_and_keep_their_metric_links(uid: str) -> None:
    data = datasources()[uid]["jsonData"]
    assert data["tracesToMetrics"]["datasourceUid"] == "prometheus"
    logs = data["tracesToLogsV2"]
    assert logs["datasourceUid"] == "loki"
    # filterByTraceID would search the line for the id; ours is structured metadata.
    assert logs["customQuery"] is True and not logs.get("filterByTraceID")
    assert {t["value"] for t in logs["tags"]} <= STREAM_LABELS
    query = logs["query"].replace("$$", "$")
    assert query == '{${__tags}} | trace_id="${__span.traceId}"'
    tags = ", ".join(f'{t["value"]}="x"' for t in logs["tags"])
    names = check_logql(query.replace("${__tags}", tags).replace("${__span.traceId}", "0" * 32))
    assert names.filters == (("trace_id", "=", "0" * 32),)


# --- LogQL panel queries ------------------------------------------------------------------------
def test_the_dashboards_have_loki_panels() -> None:
    assert LOKI_QUERIES
    assert {q.datasource_uid for q in LOKI_QUERIES} == {"loki"}


@pytest.mark.parametrize("query", LOKI_QUERIES, ids=lambda q: q.id)
def test_logql_panel_queries_name_only_what_our_records_carry(query: Any) -> None:
    check = check_logql(query.expr)
    assert check.events, f"{query.id}: filter on {EVENT_NAME_LABEL} (every log record counts)"
    legend = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", query.legend))
    assert legend <= check.grouping, f"legend uses labels the query drops: {legend}"


@pytest.mark.parametrize(
    ("expr", "error"),
    [
        ('{service_name=~".+"} | event_name="gen_ai.guardrail.result" [1m', "unbalanced"),
        ('{job="x"} | event_name="gen_ai.guardrail.result"', "not an index label"),
        ('{service_name=~".+"} | event_name="gen_ai.guardrail.results"', "no such event"),
        ('{service_name=~".+"} | event_name="gen_ai.guardrail.result"'
         ' | gen_ai.guardrail.result.value="true"', "not a label name"),
        ('{service_name=~".+"} | event_name="gen_ai.guardrail.result"'
         ' | gen_ai_guardrail_result_value="True"', "never carries"),
        ('sum by (error_type) (count_over_time({service_name=~".+"}'
         ' | event_name="gen_ai.guardrail.result" [1m]))', "not carried"),
    ],
    ids=["syntax", "stream-label", "event", "dotted-name", "value", "grouping"],
)  # fmt: skip
def test_the_logql_check_rejects_what_loki_would_not_find(expr: str, error: str) -> None:
    # The check above can fail: each of these queries is valid-looking and returns nothing.
    with pytest.raises(AssertionError, match=error):
        check_logql(expr)


def test_the_event_catalogue_uses_the_spec_names() -> None:
    guardrail = EVENTS_BY_NAME["gen_ai.guardrail.result"]
    assert guardrail.metadata["gen_ai_guardrail_result_value"] == {"true", "false"}
    assert isinstance(check_logql('{service_name="a"} | event_name="gen_ai.guardrail.result"'),
                      LogQLCheck)  # fmt: skip
