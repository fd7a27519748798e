"""What the deploy tests read: the stack's files, the dashboards' queries, and PromQL's names.

A dashboard query is checked three ways (static names and labels, `promtool check rules`, and a
live Prometheus), each needing the expression with Grafana's variables replaced by values
Prometheus accepts. This module owns that substitution and a small PromQL name extractor; it is
not a PromQL parser, only enough of one for the expressions our dashboards use (promtool does
the real parsing).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GRAFANA = ROOT / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
DATASOURCES = sorted((GRAFANA / "provisioning" / "datasources").glob("*.y*ml"))
DASHBOARD_PROVIDERS = sorted((GRAFANA / "provisioning" / "dashboards").glob("*.y*ml"))

# Grafana's built-in variables, as durations a live query or promtool accepts. The rate window
# spans several 1 s scrapes of the live test; the range covers the whole test.
BUILTINS = {
    "$__auto": "1m",  # Loki queries: Grafana's automatic range for *_over_time
    "${__auto}": "1m",
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "1h",
    "${__rate_interval}": "1m",
    "${__interval}": "15s",
    "${__range}": "1h",
}


def promtool() -> str | None:
    """Path of Debian's promtool, or None."""
    return shutil.which("promtool")


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_dashboard(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def iter_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, including those nested in collapsed rows; rows themselves excluded."""
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


@dataclass(frozen=True)
class Query:
    """One panel target (or templating query) with its datasource."""

    dashboard: str
    panel: str
    ref: str
    datasource_type: str
    datasource_uid: str
    expr: str
    legend: str = ""

    @property
    def id(self) -> str:
        return f"{self.dashboard}:{self.panel}:{self.ref}"


def _datasource(node: dict[str, Any], fallback: dict[str, Any]) -> tuple[str, str]:
    ds = node.get("datasource") or fallback or {}
    return str(ds.get("type", "")), str(ds.get("uid", ""))


def panel_queries(path: Path) -> list[Query]:
    """Every panel target of a dashboard (Prometheus, Loki and Tempo alike)."""
    dashboard = load_dashboard(path)
    out = []
    for panel in iter_panels(dashboard):
        for target in panel.get("targets", []):
            ds_type, ds_uid = _datasource(target, panel.get("datasource") or {})
            expr = target.get("expr") if ds_type in ("prometheus", "loki") else target.get("query")
            out.append(
                Query(
                    dashboard=path.stem,
                    panel=str(panel.get("title", panel.get("id"))),
                    ref=str(target.get("refId", "")),
                    datasource_type=ds_type,
                    datasource_uid=ds_uid,
                    expr=str(expr or ""),
                    legend=str(target.get("legendFormat", "")),
                )
            )
    return out


def variable_queries(path: Path) -> list[Query]:
    """Templating variables backed by a datasource query (e.g. label_values(...))."""
    dashboard = load_dashboard(path)
    out = []
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var.get("query")
        expr = query.get("query") if isinstance(query, dict) else query
        ds_type, ds_uid = _datasource(var, {})
        out.append(Query(path.stem, f"${var['name']}", "var", ds_type, ds_uid, str(expr or "")))
    return out


def substitute(expr: str, dashboard: dict[str, Any]) -> str:
    """Replace Grafana variables with values Prometheus (or Tempo) accepts.

    Multi-value variables with "All" become their `allValue` (a regex such as `.*`), others
    their current value.
    """
    for name in sorted(BUILTINS, key=len, reverse=True):
        expr = expr.replace(name, BUILTINS[name])
    for var in dashboard.get("templating", {}).get("list", []):
        name = var["name"]
        if var.get("includeAll") and var.get("allValue"):
            value = str(var["allValue"])
        else:
            current = var.get("current", {}).get("value")
            value = str(current[0] if isinstance(current, list) else current)
        for form in (f"${{{name}}}", f"[[{name}]]", f"${name}"):
            expr = re.sub(re.escape(form) + r"(?![A-Za-z0-9_])", lambda _m, v=value: v, expr)
    return expr


# --- PromQL names -------------------------------------------------------------------------------
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^{}]*)\}")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*\"S\"")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
_RANGE = re.compile(r"\[[^\]]*\]")
_IDENT = re.compile(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*(?![\w:])(?!\s*\()")
_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right", "bool",
                       "and", "or", "unless", "offset", "inf", "nan", "Inf", "NaN"})  # fmt: skip


@dataclass(frozen=True)
class Names:
    """The metric names and label names an expression refers to."""

    metrics: frozenset[str]
    matchers: dict[str, frozenset[str]]  # metric -> label names in its selector(s)
    grouping: frozenset[str]  # labels in by/without/on/ignoring/group_* clauses
    label_values: frozenset[str]  # labels named by label_values(metric, label)


def promql_names(expr: str) -> Names:
    """Metric and label names in a PromQL expression (or a Grafana `label_values(...)` query)."""
    # `{__name__=~"a|b"}` reads metrics a and b: keep their names before strings are masked.
    by_name = [
        tuple(n for n in value.split("|"))
        for value in re.findall(r'__name__\s*=~?\s*"([a-zA-Z0-9_:|]*)"', expr)
    ]
    masked = _STRING.sub('"S"', expr)
    label_values: set[str] = set()
    lv = re.fullmatch(r"\s*label_values\(\s*(.*?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*", masked)
    if lv:
        masked, label_values = lv.group(1), {lv.group(2)}
    matchers: dict[str, set[str]] = {}
    named = iter(by_name)
    for match in _SELECTOR.finditer(masked):
        labels = set(_MATCHER.findall(match.group(2)))
        names = (match.group(1),) if match.group(1) else ()
        if "__name__" in labels:
            labels.discard("__name__")
            names = next(named)
        for name in names:
            matchers.setdefault(name, set()).update(labels)
    grouping = set()
    for match in _GROUPING.finditer(masked):
        grouping.update(label.strip() for label in match.group(2).split(",") if label.strip())
    bare = _GROUPING.sub(
        " ", _RANGE.sub(" ", _SELECTOR.sub(lambda m: f" {m.group(1) or ''} ", masked))
    )
    bare = _STRING.sub(" ", bare)
    metrics = {token for token in _IDENT.findall(bare) if token not in _KEYWORDS}
    metrics.update(name for names in by_name for name in names)
    return Names(
        metrics=frozenset(metrics),
        matchers={k: frozenset(v) for k, v in matchers.items()},
        grouping=frozenset(grouping),
        label_values=frozenset(label_values),
    )


def legend_labels(legend: str) -> set[str]:
    """Labels a legend format refers to (`{{label}}`)."""
    return set(re.findall(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}", legend))


# --- LogQL names --------------------------------------------------------------------------------
_LOGQL_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|`([^`]*)`')
_LOGQL_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|==|=|>=|<=|>|<)\s*\x00(\d+)\x00")


@dataclass(frozen=True)
class LogQLNames:
    """What a LogQL query refers to: stream selector matchers, label filters and grouping."""

    selector: tuple[tuple[str, str, str], ...]  # (label, operator, value) inside {...}
    filters: tuple[tuple[str, str, str], ...]  # label filter expressions after `|`
    grouping: frozenset[str]  # labels in by/without clauses
    line_filters: int  # |= "..." and friends


def logql_names(expr: str) -> LogQLNames:
    """Label names and compared values in a LogQL query: not a parser, enough for our panels.

    Raises ValueError on unbalanced brackets or quotes, or without a stream selector: those
    break the query in Grafana, and a LogQL parser is not installable here.
    """
    values: list[str] = []

    def keep(match: re.Match[str]) -> str:
        values.append(match.group(1) if match.group(1) is not None else match.group(2))
        return f"\x00{len(values) - 1}\x00"

    masked = _LOGQL_STRING.sub(keep, expr)
    if '"' in masked or "`" in masked:
        raise ValueError(f"unbalanced quotes in {expr!r}")
    for left, right in ("()", "[]", "{}"):
        depth = 0
        for char in masked:
            depth += (char == left) - (char == right)
            if depth < 0:
                break
        if depth != 0:
            raise ValueError(f"unbalanced {left}{right} in {expr!r}")
    selectors = re.findall(r"\{([^{}]*)\}", masked)
    if not selectors:
        raise ValueError(f"no stream selector in {expr!r}")

    def matchers(text: str) -> tuple[tuple[str, str, str], ...]:
        return tuple((n, op, values[int(i)]) for n, op, i in _LOGQL_MATCHER.findall(text))

    selector = tuple(m for s in selectors for m in matchers(s))
    outside = re.sub(r"\{[^{}]*\}", " ", masked)
    filters = matchers(outside)  # `name op "value"`: a label filter, whatever the operator
    rest = _LOGQL_MATCHER.sub(" ", outside)
    line_filters = len(re.findall(r"(\|=|!=|\|~|!~)\s*\x00", rest))
    grouping = {
        label.strip()
        for clause in re.findall(r"\b(?:by|without)\s*\(([^()]*)\)", rest)
        for label in clause.split(",")
        if label.strip()
    }
    return LogQLNames(selector, filters, frozenset(grouping), line_filters)
