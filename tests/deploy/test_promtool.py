"""`promtool` checks: the Prometheus config and every dashboard PromQL expression parse.

promtool comes from Debian's `prometheus` package (2.42), which `tests/integration/setup.sh`
installs; where it is absent these tests skip and say so. Each expression goes into a recording
rule, with Grafana's variables replaced by valid values first, because `promtool check rules`
is the offline PromQL parser that ships with it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from ._stack import (
    DASHBOARDS,
    DATASOURCES,
    DEPLOY,
    load_dashboard,
    load_yaml,
    panel_queries,
    promtool,
    substitute,
    variable_queries,
)

PROMTOOL = promtool()
# The dashboards with PromQL panels (conversation.json reads Tempo only: test_traceql.py).
PROM_DASHBOARDS = [
    p for p in DASHBOARDS if any(q.datasource_type == "prometheus" for q in panel_queries(p))
]
pytestmark = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not found: install Debian's `prometheus` package "
    "(bash tests/integration/setup.sh does it)",
)


@pytest.fixture(
    autouse=True,
    params=[
        pytest.param("fast", id="fast"),
        pytest.param("after-setup", id="after-setup", marks=pytest.mark.integration),
    ],
)
def _suite(request: pytest.FixtureRequest) -> str:
    """Runs each check twice: in `make test`, and in `make test-integration` after
    tests/integration/setup.sh installed promtool, so a fresh machine (CI) runs them too."""
    return str(request.param)


# A tracesToMetrics `$__tags` as Grafana fills it: empty, or the span's tags as matchers.
TAGS_SAMPLES = ("", 'gen_ai_operation_name="chat", gen_ai_agent_name="Triage"')


def check_rules(tmp_path: Path, exprs: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `promtool check rules` on one recording rule per expression."""
    rules = [
        {"record": "dashboard:" + re.sub(r"[^a-zA-Z0-9_]", "_", key).strip("_"), "expr": expr}
        for key, expr in exprs.items()
    ]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )


def test_promtool_accepts_prometheus_yaml() -> None:
    assert PROMTOOL is not None
    result = subprocess.run(
        [PROMTOOL, "check", "config", str(DEPLOY / "prometheus.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_metric_dashboards_have_promql_panels() -> None:
    assert {p.name for p in PROM_DASHBOARDS} >= {"agent-runs.json", "llm-streaming.json"}


@pytest.mark.parametrize("path", PROM_DASHBOARDS, ids=lambda p: p.name)
def test_every_dashboard_promql_expression_parses(path: Path, tmp_path: Path) -> None:
    dashboard = load_dashboard(path)
    exprs = {
        q.id: substitute(q.expr, dashboard)
        for q in panel_queries(path)
        if q.datasource_type == "prometheus"
    }
    assert len(exprs) >= 10
    result = check_rules(tmp_path, exprs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in result.stdout


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_variable_queries_parse(path: Path, tmp_path: Path) -> None:
    # label_values(metric, label) is Grafana's; its selector must be valid PromQL.
    exprs = {}
    for q in variable_queries(path):
        match = re.fullmatch(r"label_values\((.*),\s*\w+\)", q.expr.strip())
        assert match, q.expr
        exprs[q.id] = match.group(1)
    result = check_rules(tmp_path, exprs)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("tags", TAGS_SAMPLES, ids=["no-tags", "tags"])
def test_traces_to_metrics_queries_parse(tags: str, tmp_path: Path) -> None:
    exprs = {}
    for path in DATASOURCES:
        for ds in load_yaml(path)["datasources"]:
            t2m = ds.get("jsonData", {}).get("tracesToMetrics") or {}
            for i, q in enumerate(t2m.get("queries", [])):
                exprs[f"{ds['uid']}_{i}"] = q["query"].replace("$$__tags", tags)
    assert exprs
    result = check_rules(tmp_path, exprs)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_rejects_a_broken_expression(tmp_path: Path) -> None:
    # The checks above can fail: an expression with a stray comma does not parse.
    result = check_rules(tmp_path, {"broken": 'sum(rate(m{, a="b"}[5m]))'})
    assert result.returncode != 0
    assert "parse error" in result.stdout + result.stderr
