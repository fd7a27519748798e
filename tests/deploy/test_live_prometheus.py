"""Live check: the dashboards' queries return data from a real Prometheus scraping a real app.

The app is `_workload.py` in its own process: scripted agents run through the real runner, with
the bridge set up from `OTEL_METRICS_EXPORTER=prometheus` (the Python exporter serves /metrics;
no Collector). Debian's `prometheus` (2.42) scrapes it every second. After two rounds of the
workload (so rates have two points to differ), every Prometheus query of every dashboard panel,
with Grafana's variables replaced, must return at least one finite sample, and every templating
variable must list values. All of it once per profile (default, and OTEL_AGENTS_SEMCONV=newest),
each with its own app and Prometheus: a panel reads both profiles' names (`a or b`), so each
profile must fill it on its own, and every metric name a panel reads that belongs to the
profile must have series there (an `or` leg that never matches would hide behind the other).
The Tempo and Loki panels are checked by the docker tests instead.

Names are the same through the Collector's prometheus exporter (see deploy/otel-collector.yaml),
so passing here means the dashboards fill on both paths.
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._catalog import PROFILES, project_series
from ._procs import Prometheus, Workload, free_port, poll
from ._stack import (
    DASHBOARDS,
    Query,
    load_dashboard,
    panel_queries,
    promql_names,
    substitute,
    variable_queries,
)

pytestmark = pytest.mark.integration

PROMETHEUS = shutil.which("prometheus")
PANEL_QUERIES = [
    q for path in DASHBOARDS for q in panel_queries(path) if q.datasource_type == "prometheus"
]
VARIABLE_QUERIES = [
    q for path in DASHBOARDS for q in variable_queries(path) if q.datasource_type == "prometheus"
]
DASHBOARD_BY_NAME = {path.stem: load_dashboard(path) for path in DASHBOARDS}
PROFILE_OF: dict[int, str] = {}  # id(Prometheus) -> the profile its app runs


@pytest.fixture(scope="module", params=list(PROFILES))
def prometheus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Prometheus]:
    """A Prometheus that has scraped two rounds of the workload, in one profile."""
    if PROMETHEUS is None:
        pytest.skip(
            "Debian's `prometheus` binary is not installed: run bash tests/integration/setup.sh"
        )
    metrics_port = free_port()
    workload = Workload(
        {
            "OTEL_METRICS_EXPORTER": "prometheus",
            "OTEL_TRACES_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none",
            "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1",
            "OTEL_EXPORTER_PROMETHEUS_PORT": str(metrics_port),
            "OTEL_SERVICE_NAME": "otel-agents-dashboard-test",
            "OTEL_AGENTS_SEMCONV": str(request.param),
        }
    )
    server: Prometheus | None = None
    try:
        workload.run_round()
        server = Prometheus(
            PROMETHEUS, tmp_path_factory.mktemp("prometheus"), [f"127.0.0.1:{metrics_port}"]
        )
        # The first scrape sees round one; a later one sees round two, so rates are not zero.
        first = poll(
            "the first scrape", lambda: server.query("sum(otel_agents_runs_total)") or None, 60
        )
        runs = float(first[0]["value"][1])
        workload.run_round()
        poll(
            "a scrape of the second round",
            lambda: server.query(f"sum(otel_agents_runs_total) > {runs}") or None,
            60,
        )
        PROFILE_OF[id(server)] = str(request.param)
        yield server
    finally:
        if server is not None:
            server.close()
        workload.close()


def _finite(result: list[dict[str, object]]) -> list[float]:
    values = []
    for series in result:
        value = series.get("value")
        if isinstance(value, list) and len(value) == 2:
            number = float(value[1])
            if math.isfinite(number):
                values.append(number)
    return values


def test_every_dashboard_with_metric_panels_is_checked_here() -> None:
    # A dashboard on Tempo alone (the Conversation view: TraceQL, checked in test_traceql.py) has
    # no PromQL to run; every other one must have its panels among those run below.
    tempo_only = {
        p.stem for p in DASHBOARDS if {q.datasource_type for q in panel_queries(p)} == {"tempo"}
    }
    assert tempo_only <= {"conversation"}
    assert {q.dashboard for q in PANEL_QUERIES} == {p.stem for p in DASHBOARDS} - tempo_only


@pytest.mark.parametrize("query", PANEL_QUERIES, ids=lambda q: q.id)
def test_panel_query_returns_data(prometheus: Prometheus, query: Query) -> None:
    deadline = 30
    expr = substitute(query.expr, DASHBOARD_BY_NAME[query.dashboard])
    # Rates need a scrape after round two; poll rather than guess how long that takes.
    result = poll(
        f"data for {query.id}: {expr}",
        lambda: (lambda r: r if _finite(r) else None)(prometheus.query(expr)),
        deadline=deadline,
    )
    assert _finite(result)


@pytest.mark.parametrize("query", PANEL_QUERIES, ids=lambda q: q.id)
def test_every_metric_a_panel_reads_in_this_profile_has_series(
    prometheus: Prometheus, query: Query
) -> None:
    profile = PROFILE_OF[id(prometheus)]
    ours = promql_names(query.expr).metrics & set(project_series(profile))
    assert ours, f"{query.id} reads nothing of the {profile} profile"
    ours -= {"otel_agents_telemetry_dropped_total"}  # only exists once something was dropped
    # Counted only when a server reports them: the scripted workload's calls read and write no
    # prompt cache and do no hidden reasoning (the cost dashboard's "Tokens by type" reads them).
    ours -= {
        "gen_ai_client_inference_usage_cache_read_input_tokens_total",
        "gen_ai_client_inference_usage_cache_write_input_tokens_total",
        "gen_ai_client_inference_usage_reasoning_output_tokens_total",
    }
    for metric in sorted(ours):
        assert prometheus.query(f"count({metric})"), f"{query.id}: no {metric} series ({profile})"


@pytest.mark.parametrize("query", VARIABLE_QUERIES, ids=lambda q: q.id)
def test_variable_lists_values(prometheus: Prometheus, query: Query) -> None:
    match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", query.expr.strip())
    assert match, query.expr
    values = prometheus.label_values(match.group(2), match.group(1))
    assert [v for v in values if v], f"{query.id} lists nothing"


def test_a_query_for_a_metric_nobody_emits_returns_nothing(prometheus: Prometheus) -> None:
    # The assertion above can fail: a misspelt metric gets an empty answer, not an error.
    assert prometheus.query("sum(rate(otel_agents_run_total[1m]))") == []


def test_workload_leaves_the_prometheus_log_clean(prometheus: Prometheus) -> None:
    log = Path(prometheus.log).read_text(encoding="utf-8", errors="replace")
    assert "level=error" not in log, log[-2000:]
