"""Static checks of the viewing stack (deploy/ and grafana/): fast, offline, in `make test`.

Nothing here starts a container. What can be checked without one is: every file parses, the
compose file matches the compose spec, every reference between files resolves (mounts, service
names, datasource uids, ports), the component names are the 2026 ones, and every metric a
dashboard queries is one the project emits, under the name and labels Prometheus shows.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ._catalog import COLLECTOR_SPAN_METRICS, all_series, project_series
from ._stack import (
    DASHBOARD_PROVIDERS,
    DASHBOARDS,
    DATASOURCES,
    DEPLOY,
    GRAFANA,
    ROOT,
    iter_panels,
    legend_labels,
    load_dashboard,
    load_yaml,
    panel_queries,
    promql_names,
    substitute,
    variable_queries,
)

COMPOSE = DEPLOY / "docker-compose.yaml"
YAML_FILES = [*sorted(DEPLOY.glob("*.yaml")), *DATASOURCES, *DASHBOARD_PROVIDERS]
PROM_QUERIES = [
    q
    for path in DASHBOARDS
    for q in panel_queries(path) + variable_queries(path)
    if q.datasource_type == "prometheus"
]
# The images, pinned to the releases that were current in August 2026 (Loki: see the compose file).
PINNED_IMAGES = {
    "otel-collector": "otel/opentelemetry-collector-contrib:0.159.0",
    "jaeger": "jaegertracing/jaeger:2.20.0",
    "tempo": "grafana/tempo:3.0.3",
    "prometheus": "prom/prometheus:v3.13.0",
    "grafana": "grafana/grafana:13.1.3",
    "loki": "grafana/loki:3.7.6",
}


def compose() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(COMPOSE)
    return data


def collector() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(DEPLOY / "otel-collector.yaml")
    return data


def datasources() -> list[dict[str, Any]]:
    return [ds for path in DATASOURCES for ds in load_yaml(path)["datasources"]]


# --- files parse; compose matches the spec -------------------------------------------------------
def test_the_stack_files_exist() -> None:
    assert {p.name for p in DEPLOY.glob("*.yaml")} >= {
        "docker-compose.yaml",
        "otel-collector.yaml",
        "tempo.yaml",
        "prometheus.yaml",
        "loki.yaml",
    }
    assert {p.name for p in DASHBOARDS} >= {
        "agent-runs.json",
        "llm-streaming.json",
        "conversation.json",
        "cost.json",
    }
    assert DATASOURCES, "no datasource provisioning file"
    assert DASHBOARD_PROVIDERS, "no dashboard provider file"


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_yaml_parses(path: Path) -> None:
    assert isinstance(load_yaml(path), dict)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_json_parses_with_a_unique_uid(path: Path) -> None:
    dashboard = load_dashboard(path)
    assert dashboard["uid"] and dashboard["title"]
    uids = [load_dashboard(p)["uid"] for p in DASHBOARDS]
    assert uids.count(dashboard["uid"]) == 1


def test_compose_file_validates_against_the_compose_spec() -> None:
    tool = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_spec_check_rejects_a_broken_file(tmp_path: Path) -> None:
    # The same check must fail on an invalid service (so the test above can fail).
    broken = tmp_path / "docker-compose.yaml"
    broken.write_text("services:\n  x:\n    image: busybox\n    ports: 12\n", encoding="utf-8")
    tool = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0


# --- compose: images, ports, healthchecks, mounts -----------------------------------------------
def test_compose_images_are_pinned() -> None:
    images = {name: svc["image"] for name, svc in compose()["services"].items()}
    assert images == PINNED_IMAGES


def test_every_published_port_is_commented_and_bound_to_loopback() -> None:
    lines = COMPOSE.read_text(encoding="utf-8").splitlines()
    in_ports = False
    seen = 0
    for line in lines:
        stripped = line.strip()
        if stripped == "ports:":
            in_ports = True
            continue
        if in_ports and stripped.startswith("- "):
            seen += 1
            assert "#" in stripped, f"port without a comment: {stripped}"
            assert stripped[2:].strip('"').startswith("127.0.0.1:"), stripped
        elif in_ports:
            in_ports = False
    published = sum(len(s.get("ports", [])) for s in compose()["services"].values())
    assert seen == published > 0


def test_the_app_endpoint_is_the_collector() -> None:
    ports = compose()["services"]["otel-collector"]["ports"]
    assert "127.0.0.1:4317:4317" in ports and "127.0.0.1:4318:4318" in ports
    for name, svc in compose()["services"].items():
        if name != "otel-collector":
            published = {p.split(":")[-1] for p in svc.get("ports", [])}
            assert not published & {"4317", "4318"}, f"{name} publishes an OTLP port"


def test_services_have_healthchecks_and_waits_target_healthy_services() -> None:
    services = compose()["services"]
    # The Collector image is FROM scratch: nothing to run a healthcheck with (see the comment).
    without = {name for name, svc in services.items() if "healthcheck" not in svc}
    assert without == {"otel-collector"}
    for name, svc in services.items():
        test = svc.get("healthcheck", {}).get("test")
        if test is not None:
            assert test[0] == "CMD", f"{name}: exec form, no shell needed"
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services
            if cond.get("condition") == "service_healthy":
                assert "healthcheck" in services[dep], f"{name} waits on {dep}, never healthy"


def test_compose_bind_mounts_exist() -> None:
    for name, svc in compose()["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in compose()["volumes"], f"{name}: undeclared volume {source}"


def test_grafana_mounts_match_the_provisioning() -> None:
    grafana = compose()["services"]["grafana"]
    mounts = {v.split(":")[1]: (DEPLOY / v.split(":")[0]).resolve() for v in grafana["volumes"]}
    dashboards_dir = next(
        p["options"]["path"] for f in DASHBOARD_PROVIDERS for p in load_yaml(f)["providers"]
    )
    assert mounts[dashboards_dir] == (GRAFANA / "dashboards").resolve()
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert Path(home).parent.as_posix() == dashboards_dir
    assert (GRAFANA / "dashboards" / Path(home).name).is_file()


# --- Collector, Tempo, Prometheus configs ---------------------------------------------------------
# Names renamed in 2026 (they still load, with warnings) and names that no longer exist.
OLD_COMPONENT_TYPES = {"otlp": "exporters", "otlphttp": "exporters", "spanmetrics": "connectors",
                       "prometheusremotewrite": "exporters", "resourcedetection": "processors",
                       "logging": "exporters"}  # fmt: skip


def test_collector_pipelines_use_defined_components_with_2026_names() -> None:
    config = collector()
    defined = {
        kind: set(config.get(kind) or {})
        for kind in ("receivers", "processors", "exporters", "connectors")
    }
    for kind, names in defined.items():
        for name in names:
            old_kind = OLD_COMPONENT_TYPES.get(name.split("/")[0])
            assert old_kind != kind, f"{kind}: {name} is a pre-2026 component name"
    for pipeline, spec in config["service"]["pipelines"].items():
        for r in spec["receivers"]:
            assert r in defined["receivers"] | defined["connectors"], (pipeline, r)
        for p in spec.get("processors", []):
            assert p in defined["processors"], (pipeline, p)
        for e in spec["exporters"]:
            assert e in defined["exporters"] | defined["connectors"], (pipeline, e)
    assert set(config["service"]["extensions"]) <= set(config["extensions"])


def test_collector_fans_traces_out_to_jaeger_tempo_and_span_metrics() -> None:
    config = collector()
    services = compose()["services"]
    traces = config["service"]["pipelines"]["traces"]["exporters"]
    metrics = config["service"]["pipelines"]["metrics"]["receivers"]
    assert "span_metrics" in traces and "span_metrics" in metrics
    hosts = {
        config["exporters"][e]["endpoint"].split(":")[0] for e in traces if e != "span_metrics"
    }
    assert hosts == {"jaeger", "tempo"} and hosts <= set(services)
    assert config["connectors"]["span_metrics"]["histogram"]["unit"] == "s"


def test_prometheus_scrapes_the_collectors_prometheus_exporter() -> None:
    port = collector()["exporters"]["prometheus"]["endpoint"].rsplit(":", 1)[1]
    config = load_yaml(DEPLOY / "prometheus.yaml")
    assert "otlp" not in config, "Debian's promtool 2.42 rejects Prometheus 3's otlp section"
    targets = {
        t
        for job in config["scrape_configs"]
        for sc_ in job["static_configs"]
        for t in sc_["targets"]
    }
    assert f"otel-collector:{port}" in targets
    for target in targets:
        host = target.split(":")[0]
        assert host in compose()["services"] or host in {"localhost", "host.docker.internal"}


def test_prometheus_accepts_remote_write_for_tempo() -> None:
    command = compose()["services"]["prometheus"]["command"]
    assert "--web.enable-remote-write-receiver" in command
    tempo = load_yaml(DEPLOY / "tempo.yaml")
    urls = [rw["url"] for rw in tempo["metrics_generator"]["storage"]["remote_write"]]
    assert urls == ["http://prometheus:9090/api/v1/write"]


def test_tempo_config_is_tempo_3() -> None:
    text = (DEPLOY / "tempo.yaml").read_text(encoding="utf-8")
    config = load_yaml(DEPLOY / "tempo.yaml")
    # Removed in Tempo 3: configs that set them do not start.
    assert "ingester" not in config
    assert not re.search(r"local[-_]blocks", re.sub(r"#.*", "", text))
    assert set(config["distributor"]["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    assert config["server"]["http_listen_port"] == 3200


# --- Grafana provisioning -----------------------------------------------------------------------
@pytest.mark.parametrize("path", DATASOURCES + DASHBOARD_PROVIDERS, ids=lambda p: p.name)
def test_provisioning_files_escape_dollar_signs(path: Path) -> None:
    # Grafana expands $VAR and ${VAR} in provisioning files: a literal $ must be written $$.
    text = re.sub(r"#.*", "", path.read_text(encoding="utf-8")).replace("$$", "")
    assert "$" not in text


def test_datasource_uids_are_fixed_and_links_resolve() -> None:
    sources = datasources()
    uids = {ds["uid"]: ds["type"] for ds in sources}
    assert uids == {name: name for name in ("prometheus", "tempo", "jaeger", "loki")}
    services = compose()["services"]
    for ds in sources:
        host = re.match(r"https?://([^:/]+)", ds["url"])
        assert host and host.group(1) in services, ds["url"]
        data = ds.get("jsonData", {})
        links = ("tracesToMetrics", "tracesToLogsV2", "serviceMap")
        linked = [data.get(k, {}).get("datasourceUid") for k in links]
        linked += [d["datasourceUid"] for d in data.get("exemplarTraceIdDestinations", [])]
        linked += [d["datasourceUid"] for d in data.get("derivedFields", [])]
        for uid in filter(None, linked):
            assert uid in uids, f"{ds['name']} links to unprovisioned uid {uid}"


def _dashboard_datasources(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        ds = node.get("datasource")
        if isinstance(ds, dict):
            found.append(ds)
        for value in node.values():
            found += _dashboard_datasources(value)
    elif isinstance(node, list):
        for value in node:
            found += _dashboard_datasources(value)
    return found


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_datasource_uid_a_dashboard_uses_is_provisioned(path: Path) -> None:
    provisioned = {ds["uid"]: ds["type"] for ds in datasources()}
    used = [
        ds
        for ds in _dashboard_datasources(load_dashboard(path))
        if ds.get("type") not in {"grafana", "datasource"}  # built-in annotation/mixed sources
    ]
    assert used
    for ds in used:
        assert ds.get("uid") in provisioned, f"unprovisioned datasource {ds}"
        assert provisioned[ds["uid"]] == ds.get("type"), ds


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_has_a_query_and_a_unique_title(path: Path) -> None:
    panels = list(iter_panels(load_dashboard(path)))
    titles = [p["title"] for p in panels]
    assert len(titles) == len(set(titles)), "duplicate panel titles"
    for panel in panels:
        assert panel.get("targets"), f"panel {panel['title']!r} has no query"
        ids = [p["id"] for p in panels]
        assert ids.count(panel["id"]) == 1


def test_the_agent_runs_dashboard_links_recent_slow_or_failed_traces_to_tempo() -> None:
    path = next(p for p in DASHBOARDS if p.name == "agent-runs.json")
    tempo = [q for q in panel_queries(path) if q.datasource_type == "tempo"]
    assert len(tempo) == 1 and tempo[0].datasource_uid == "tempo"
    assert "status = error" in tempo[0].expr and "duration >" in tempo[0].expr


def test_the_cost_dashboard_links_the_most_expensive_traces_to_tempo() -> None:
    path = next(p for p in DASHBOARDS if p.name == "cost.json")
    tempo = [q for q in panel_queries(path) if q.datasource_type == "tempo"]
    assert len(tempo) == 1 and tempo[0].datasource_uid == "tempo"
    assert "span.otel_agents.cost.total > $min_cost" in tempo[0].expr
    prom = " ".join(q.expr for q in panel_queries(path) if q.datasource_type == "prometheus")
    for name in ("gen_ai_agent_name", "gen_ai_workflow_name", "gen_ai_request_model"):
        assert f"sum by ({name}" in prom or f"sum by (gen_ai_provider_name, {name}" in prom
    assert "cache_write" in prom and "cache_read" in prom


# --- every queried metric is one the project emits -----------------------------------------------
DEFAULT_SERIES = project_series("default")
NEWEST_SERIES = project_series("newest")


@pytest.mark.parametrize("query", PROM_QUERIES, ids=lambda q: q.id)
def test_dashboard_queries_only_metrics_and_labels_the_project_emits(query: Any) -> None:
    series = all_series()
    names = promql_names(query.expr)
    assert names.metrics, f"no metric in {query.expr!r}"
    unknown = names.metrics - set(series)
    assert not unknown, f"not emitted by otel-agents in either profile: {sorted(unknown)}"
    allowed = frozenset().union(*(series[m] for m in names.metrics))
    for metric, labels in names.matchers.items():
        assert labels <= series[metric], (
            f"{metric}: unknown labels {sorted(labels - series[metric])}"
        )
    assert names.grouping <= allowed, f"unknown labels {sorted(names.grouping - allowed)}"
    assert names.label_values <= allowed
    legend = legend_labels(query.legend)
    assert legend <= (names.grouping or allowed), f"legend uses labels the query drops: {legend}"


@pytest.mark.parametrize("query", PROM_QUERIES, ids=lambda q: q.id)
def test_dashboard_queries_read_the_default_profile_and_handle_the_newest(query: Any) -> None:
    # The default profile fills every panel; where it reads a name the newest profile no longer
    # emits, the query also reads the newest profile's name (`a or b`), so panels fill there too.
    # The live test (test_live_prometheus.py) runs each profile and checks both fill.
    metrics = promql_names(query.expr).metrics
    assert metrics & set(DEFAULT_SERIES), f"reads nothing of the default profile: {query.expr}"
    if metrics - set(NEWEST_SERIES):
        assert metrics & set(NEWEST_SERIES), (
            f"reads {sorted(metrics - set(NEWEST_SERIES))}, which the newest profile does not "
            f"emit, and nothing it does: {query.expr}"
        )


def test_substitution_leaves_no_variable() -> None:
    for path in DASHBOARDS:
        dashboard = load_dashboard(path)
        for query in panel_queries(path):
            assert "$" not in substitute(query.expr, dashboard), query.id


def test_datasource_link_queries_use_known_metrics_and_labels() -> None:
    series = {**all_series(), **COLLECTOR_SPAN_METRICS}
    for ds in datasources():
        t2m = ds.get("jsonData", {}).get("tracesToMetrics")
        if not t2m:
            continue
        tag_labels = {t["value"] for t in t2m["tags"]}
        for q in t2m["queries"]:
            names = promql_names(q["query"].replace("$$__tags", ""))
            assert names.metrics and names.metrics <= set(series), q
            for metric in names.metrics:
                assert tag_labels <= series[metric], f"{metric} lacks a tag label: {q}"


def test_extractor_sees_through_functions_and_strings() -> None:
    # The name checks above are only as good as this extractor.
    names = promql_names(
        'histogram_quantile(0.95, sum by (le, a) (rate(m_bucket{x=~"rate(y)", b!=""}[5m])))'
        " / on (a) group_left (c) n_total or vector(0)"
    )
    assert names.metrics == {"m_bucket", "n_total"}
    assert names.matchers["m_bucket"] == {"x", "b"}
    assert names.grouping == {"le", "a", "c"}
