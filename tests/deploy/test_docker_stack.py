"""The stack's real images, for users who have Docker (marked `docker`; skipped without an engine).

- Each config passes its own binary's check: `otelcol-contrib validate`, `tempo -config.verify`,
  Prometheus 3's `promtool check config`, `docker compose config`.
- The Collector, Jaeger and Tempo on one network, with deploy/'s configs: the app's OTLP goes to
  the Collector only, and the run is found in Jaeger (its v3 query API) and in Tempo (TraceQL,
  including the "recent slow or failed traces" panel's own query); the Collector's /metrics
  serves every series the dashboards query, under the names the live Prometheus test used.
- Grafana with grafana/ provisioned: the datasources and both dashboards load.

Containers get random host ports, so a running `make stack-up` does not get in the way. The app
is the demo CLI when it exists, else the scripted workload of the live Prometheus test.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from ._catalog import COLLECTOR_SPAN_METRICS, project_series
from ._procs import Workload, http_get, http_json, poll
from ._stack import (
    DASHBOARDS,
    DATASOURCES,
    DEPLOY,
    GRAFANA,
    load_dashboard,
    load_yaml,
    panel_queries,
    promql_names,
    substitute,
)

pytestmark = pytest.mark.docker

COMPOSE = load_yaml(DEPLOY / "docker-compose.yaml")
IMAGES = {name: svc["image"] for name, svc in COMPOSE["services"].items()}


def _container(image: str) -> Any:
    # Imported here: the module must import (and skip) where testcontainers cannot start.
    from testcontainers.core.container import DockerContainer

    return DockerContainer(image)


def _http_ready(port: int, path: str, timeout: int = 120) -> Any:
    from testcontainers.core.wait_strategies import HttpWaitStrategy

    return HttpWaitStrategy(port, path).with_startup_timeout(timeout)


def _url(container: Any, port: int) -> str:
    return f"http://{container.get_container_host_ip()}:{container.get_exposed_port(port)}"


def _run_to_exit(container: Any) -> tuple[int, str]:
    container.start()
    try:
        code = container.wait()
        out, err = container.get_logs()
        return code, (out + err).decode(errors="replace")
    finally:
        container.stop()


# --- each config through its own binary ---------------------------------------------------------
def test_collector_config_validates_with_otelcol_contrib() -> None:
    container = (
        _container(IMAGES["otel-collector"])
        .with_copy_into_container(
            DEPLOY / "otel-collector.yaml", "/etc/otelcol-contrib/config.yaml"
        )
        .with_command(["validate", "--config=/etc/otelcol-contrib/config.yaml"])
    )
    code, logs = _run_to_exit(container)
    assert code == 0, logs


def test_tempo_config_verifies_with_tempo_3() -> None:
    container = (
        _container(IMAGES["tempo"])
        .with_copy_into_container(DEPLOY / "tempo.yaml", "/etc/tempo.yaml")
        .with_command(["-config.file=/etc/tempo.yaml", "-config.verify=true"])
    )
    code, logs = _run_to_exit(container)
    assert code == 0, logs


def test_prometheus_config_passes_prometheus_3_promtool() -> None:
    container = (
        _container(IMAGES["prometheus"])
        .with_copy_into_container(DEPLOY / "prometheus.yaml", "/etc/prometheus/prometheus.yaml")
        .with_kwargs(entrypoint=["/bin/promtool"])
        .with_command(["check", "config", "/etc/prometheus/prometheus.yaml"])
    )
    code, logs = _run_to_exit(container)
    assert code == 0, logs


def test_docker_compose_accepts_the_compose_file() -> None:
    if shutil.which("docker") is None:
        pytest.skip("the docker CLI (with its compose plugin) is not on PATH")
    result = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "docker-compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


# --- Collector -> Jaeger and Tempo ---------------------------------------------------------------
class Stack:
    def __init__(self, collector: Any, jaeger: Any, tempo: Any) -> None:
        self.otlp_http = _url(collector, 4318)
        self.collector_metrics = _url(collector, 8889)
        self.jaeger = _url(jaeger, 16686)
        self.tempo = _url(tempo, 3200)
        self.service = f"otel-agents-docker-test-{uuid.uuid4().hex[:8]}"
        self.started = datetime.now(timezone.utc) - timedelta(minutes=1)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    from testcontainers.core.network import Network

    with Network() as network:
        jaeger = (
            _container(IMAGES["jaeger"])
            .with_network(network)
            .with_network_aliases("jaeger")
            .with_exposed_ports(16686, 13133)
            .waiting_for(_http_ready(13133, "/status"))
        )
        tempo = (
            _container(IMAGES["tempo"])
            .with_network(network)
            .with_network_aliases("tempo")
            .with_copy_into_container(DEPLOY / "tempo.yaml", "/etc/tempo.yaml")
            .with_command(["-config.file=/etc/tempo.yaml"])
            .with_exposed_ports(3200)
            .waiting_for(_http_ready(3200, "/ready", timeout=180))
        )
        collector = (
            _container(IMAGES["otel-collector"])
            .with_network(network)
            .with_network_aliases("otel-collector")
            .with_copy_into_container(
                DEPLOY / "otel-collector.yaml", "/etc/otelcol-contrib/config.yaml"
            )
            .with_command(["--config=/etc/otelcol-contrib/config.yaml"])
            .with_exposed_ports(4317, 4318, 8889, 13133)
            .waiting_for(_http_ready(13133, "/"))
        )
        with jaeger, tempo, collector:
            running = Stack(collector, jaeger, tempo)
            _run_demo(running)
            yield running


def _run_demo(stack: Stack) -> None:
    """The demo (or the scripted workload) with OTLP to the Collector; returns after its exit."""
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": stack.otlp_http,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_SERVICE_NAME": stack.service,
        "OTEL_METRIC_EXPORT_INTERVAL": "1000",
    }
    cli = Path(sys.executable).with_name("otel-agents")
    if importlib.util.find_spec("otel_agents.cli") is not None and cli.exists():
        result = subprocess.run(
            [str(cli), "demo"],
            env={**_clean_env(), **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
    else:
        workload = Workload(env)
        try:
            workload.run_round()
        finally:
            workload.close()  # exits, which flushes spans and metrics


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _span_names(otlp_json: dict[str, Any]) -> set[str]:
    return {
        span["name"]
        for rs in otlp_json.get("resourceSpans", [])
        for ss in rs.get("scopeSpans", [])
        for span in ss.get("spans", [])
    }


def test_the_run_is_found_in_jaeger(stack: Stack) -> None:
    def find() -> set[str] | None:
        status, body = http_get(
            f"{stack.jaeger}/api/v3/traces?"
            + "&".join(
                [
                    f"query.serviceName={stack.service}",
                    f"query.startTimeMin={_rfc3339(stack.started)}",
                    f"query.startTimeMax={_rfc3339(datetime.now(timezone.utc))}",
                ]
            )
        )
        if status == 404:  # "No traces found" until the Collector's batch arrives
            return None
        assert status == 200, body[:500]
        names = _span_names(json.loads(body)["result"])
        return names if any(n.startswith("invoke_agent ") for n in names) else None

    names = poll("the run in Jaeger", find, deadline=90, every=1)
    assert any(n.startswith("chat ") for n in names), names
    assert any(n.startswith("execute_tool ") for n in names), names


def _tempo_search(stack: Stack, traceql: str) -> list[dict[str, Any]]:
    answer = http_json(
        f"{stack.tempo}/api/search",
        {
            "q": traceql,
            "start": str(int(stack.started.timestamp())),
            "end": str(int(time.time()) + 60),
            "limit": "50",
        },
    )
    traces: list[dict[str, Any]] = answer.get("traces") or []
    return traces


def test_the_run_is_found_in_tempo_by_traceql(stack: Stack) -> None:
    query = (
        f'{{ resource.service.name = "{stack.service}" '
        '&& span.gen_ai.operation.name = "invoke_agent" }'
    )
    traces = poll("the run in Tempo", lambda: _tempo_search(stack, query) or None, 120, every=1)
    assert all(t.get("rootServiceName") == stack.service for t in traces), traces


def test_the_slow_or_failed_traces_panel_query_finds_the_run(stack: Stack) -> None:
    path = next(p for p in DASHBOARDS if p.name == "agent-runs.json")
    dashboard = load_dashboard(path)
    (panel,) = [q for q in panel_queries(path) if q.datasource_type == "tempo"]
    # Every agent span is "slow" at a 0 s threshold; the run's failed tool call is an error.
    dashboard["templating"]["list"] = [
        {**v, "current": {"value": "0s"}} if v["name"] == "slow" else v
        for v in dashboard["templating"]["list"]
    ]
    traceql = substitute(panel.expr, dashboard)
    traces = poll("the panel's traces", lambda: _tempo_search(stack, traceql) or None, 120, every=1)
    assert any(t.get("rootServiceName") == stack.service for t in traces), traces


_CONVERSATION_APP = """
import sys
from otel_agents import Agent, RunConfig, Runner
from otel_agents.models import ScriptedModel

agent = Agent(name="Helper", model=ScriptedModel(["Hi!", "Sure."]))
config = RunConfig(group_id=sys.argv[1], trace_metadata={"user.id": "docker-user"})
Runner.run_sync(agent, "Hello", run_config=config)
Runner.run_sync(agent, "Again", run_config=config)
"""


def test_the_conversation_dashboard_queries_find_a_conversation_in_tempo(stack: Stack) -> None:
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    env = {
        **_clean_env(),
        "OTEL_EXPORTER_OTLP_ENDPOINT": stack.otlp_http,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_SERVICE_NAME": stack.service,
    }
    done = subprocess.run(
        [sys.executable, "-c", _CONVERSATION_APP, conversation],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    path = next(p for p in DASHBOARDS if p.name == "conversation.json")
    dashboard = load_dashboard(path)
    dashboard["templating"]["list"] = [
        {**v, "current": {"value": conversation}} if v["name"] == "conversation" else v
        for v in dashboard["templating"]["list"]
    ]
    for query in panel_queries(path):
        if query.panel == "Errors":
            continue  # a conversation without errors: nothing to find
        traceql = substitute(query.expr, dashboard)
        traces = poll(query.panel, lambda q=traceql: _tempo_search(stack, q) or None, 120, every=1)
        assert any(t.get("rootServiceName") == stack.service for t in traces), (query.id, traces)


def test_the_collector_serves_every_series_the_dashboards_query(stack: Stack) -> None:
    wanted = {
        metric
        for path in DASHBOARDS
        for q in panel_queries(path)
        if q.datasource_type == "prometheus"
        for metric in promql_names(q.expr).metrics
    } - {"otel_agents_telemetry_dropped_total"}  # only exists once something was dropped
    wanted &= set(project_series("default"))  # the demo runs the default profile
    wanted |= set(COLLECTOR_SPAN_METRICS)

    def served() -> set[str] | None:
        status, body = http_get(f"{stack.collector_metrics}/metrics")
        names = {
            line.split("{")[0].split(" ")[0]
            for line in body.decode().splitlines()
            if line and not line.startswith("#")
        }
        return names if status == 200 and wanted <= names else None

    poll(f"{sorted(wanted)} on the Collector's /metrics", served, deadline=60, every=1)


# --- Grafana provisioning ------------------------------------------------------------------------
def test_grafana_loads_the_datasources_and_dashboards() -> None:
    grafana = (
        _container(IMAGES["grafana"])
        .with_env("GF_AUTH_ANONYMOUS_ENABLED", "true")
        .with_env("GF_AUTH_ANONYMOUS_ORG_ROLE", "Admin")
        .with_copy_into_container(GRAFANA / "dashboards", "/etc/grafana")
        .with_exposed_ports(3000)
        .waiting_for(_http_ready(3000, "/api/health"))
    )
    for path in DATASOURCES:
        grafana.with_copy_into_container(path, f"/etc/grafana/provisioning/datasources/{path.name}")
    for path in (GRAFANA / "provisioning" / "dashboards").glob("*.yaml"):
        grafana.with_copy_into_container(path, f"/etc/grafana/provisioning/dashboards/{path.name}")
    with grafana:
        url = _url(grafana, 3000)
        sources = http_json(f"{url}/api/datasources")
        assert {s["uid"] for s in sources} == {"prometheus", "tempo", "jaeger", "loki"}
        for path in DASHBOARDS:
            want = load_dashboard(path)
            got = poll(
                f"dashboard {want['uid']}",
                lambda uid=want["uid"]: _dashboard(url, uid),
                deadline=60,
                every=1,
            )
            assert got["dashboard"]["title"] == want["title"]
            assert len(got["dashboard"]["panels"]) == len(want["panels"])


def _dashboard(url: str, uid: str) -> dict[str, Any] | None:
    status, body = http_get(f"{url}/api/dashboards/uid/{uid}")
    if status == 404:
        return None
    assert status == 200, body[:500]
    data: dict[str, Any] = json.loads(body)
    return data
