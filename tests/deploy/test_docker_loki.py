"""Loki from the stack's real image, for users who have Docker (marked `docker`).

Loki cannot run on this project's machines: there is no Docker engine, and Loki has no Debian or
PyPI package. Where no engine answers, these tests skip and say both; test_loki.py's static
checks are what runs here. Where Docker exists:

- `loki -verify-config` accepts deploy/loki.yaml;
- the Collector (deploy/otel-collector.yaml) and Loki on one network: the app's log records go
  to the Collector only, and every LogQL panel query of the dashboards, run by Loki's own query
  API, returns data, with the trace ids the derived fields link to Tempo and Jaeger.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from ._procs import Workload, http_json, poll
from ._stack import DASHBOARDS, DEPLOY, load_dashboard, load_yaml, panel_queries, substitute

pytestmark = pytest.mark.docker(
    offline="Loki cannot run on this machine: it has no Debian or PyPI package here, so only "
    "the static checks of tests/deploy/test_loki.py cover it"
)

COMPOSE = load_yaml(DEPLOY / "docker-compose.yaml")
IMAGES = {name: svc["image"] for name, svc in COMPOSE["services"].items()}
LOKI_PORT = load_yaml(DEPLOY / "loki.yaml")["server"]["http_listen_port"]
LOKI_QUERIES = [
    q for path in DASHBOARDS for q in panel_queries(path) if q.datasource_type == "loki"
]


def _container(image: str) -> Any:
    # Imported here: the module must import (and skip) where testcontainers cannot start.
    from testcontainers.core.container import DockerContainer

    return DockerContainer(image)


def _http_ready(port: int, path: str, timeout: int = 120) -> Any:
    from testcontainers.core.wait_strategies import HttpWaitStrategy

    return HttpWaitStrategy(port, path).with_startup_timeout(timeout)


def _url(container: Any, port: int) -> str:
    return f"http://{container.get_container_host_ip()}:{container.get_exposed_port(port)}"


def test_loki_config_verifies_with_loki() -> None:
    container = (
        _container(IMAGES["loki"])
        .with_copy_into_container(DEPLOY / "loki.yaml", "/etc/loki/config.yaml")
        .with_command(["-config.file=/etc/loki/config.yaml", "-verify-config"])
    )
    container.start()
    try:
        code = container.wait()
        out, err = container.get_logs()
    finally:
        container.stop()
    assert code == 0, (out + err).decode(errors="replace")


class LogsStack:
    def __init__(self, collector: Any, loki: Any) -> None:
        self.otlp_http = _url(collector, 4318)
        self.loki = _url(loki, LOKI_PORT)
        self.service = f"otel-agents-loki-test-{uuid.uuid4().hex[:8]}"
        self.started_ns = time.time_ns() - 60 * 10**9


@pytest.fixture(scope="module")
def logs_stack() -> Iterator[LogsStack]:
    from testcontainers.core.network import Network

    with Network() as network:
        loki = (
            _container(IMAGES["loki"])
            .with_network(network)
            .with_network_aliases("loki")
            .with_copy_into_container(DEPLOY / "loki.yaml", "/etc/loki/config.yaml")
            .with_command(["-config.file=/etc/loki/config.yaml"])
            .with_exposed_ports(LOKI_PORT)
            .waiting_for(_http_ready(LOKI_PORT, "/ready", timeout=180))
        )
        # Jaeger and Tempo are not started: their exporters retry in the background, which does
        # not hold up the logs pipeline.
        collector = (
            _container(IMAGES["otel-collector"])
            .with_network(network)
            .with_network_aliases("otel-collector")
            .with_copy_into_container(
                DEPLOY / "otel-collector.yaml", "/etc/otelcol-contrib/config.yaml"
            )
            .with_command(["--config=/etc/otelcol-contrib/config.yaml"])
            .with_exposed_ports(4318, 13133)
            .waiting_for(_http_ready(13133, "/"))
        )
        with loki, collector:
            stack = LogsStack(collector, loki)
            workload = Workload(
                {
                    "OTEL_EXPORTER_OTLP_ENDPOINT": stack.otlp_http,
                    "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                    "OTEL_SERVICE_NAME": stack.service,
                    "OTEL_LOGS_EXPORTER": "otlp",
                    "OTEL_METRICS_EXPORTER": "none",
                    "OTEL_TRACES_EXPORTER": "otlp",
                }
            )
            try:
                workload.run_round()
            finally:
                workload.close()  # exits, which flushes the log records
            yield stack


def _query_range(stack: LogsStack, expr: str) -> list[dict[str, Any]]:
    answer = http_json(
        f"{stack.loki}/loki/api/v1/query_range",
        {
            "query": expr,
            "start": str(stack.started_ns),
            "end": str(time.time_ns() + 60 * 10**9),
            "limit": "100",
        },
    )
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


@pytest.mark.parametrize("query", LOKI_QUERIES, ids=lambda q: q.id)
def test_logql_panel_query_returns_the_runs_records(logs_stack: LogsStack, query: Any) -> None:
    dashboard = load_dashboard(next(p for p in DASHBOARDS if p.stem == query.dashboard))
    expr = substitute(query.expr, dashboard).replace(
        '{service_name=~".+"}', f'{{service_name="{logs_stack.service}"}}'
    )
    result = poll(
        f"data for {query.id}: {expr}",
        lambda: _query_range(logs_stack, expr) or None,
        deadline=90,
        every=1,
    )
    streams = [series for series in result if "stream" in series]
    for series in streams:  # log queries: each record carries its trace id for the links
        assert len(series["stream"].get("trace_id", "")) == 32, series["stream"]
