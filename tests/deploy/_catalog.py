"""The metrics the project emits, as Prometheus shows them: the names dashboards may query.

Built from `otel_agents.otel.semconv` (the one place our names are spelled), translated the way
both Prometheus paths translate them (the Python `opentelemetry-exporter-prometheus` and the
Collector's `prometheus` exporter with `UnderscoreEscapingWithSuffixes`): dots become
underscores, unit `s` adds `_seconds`, annotation units like `{token}` add nothing, counters add
`_total`, histograms expose `_bucket` (with `le`), `_sum` and `_count`.

One table per profile: the default (the conventions as opentelemetry-util-genai 1.3b0 emits
them) and `OTEL_AGENTS_SEMCONV=newest`. `test_catalog.py` checks each against what a real run of
the bridge emits in that profile, so a rename there fails here before it silently empties a
dashboard panel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from otel_agents.otel import semconv as sc

# Labels every series may carry whichever path it took: the scrape's (or the Collector's
# service.name/service.instance.id) and the Python exporter's instrumentation-scope labels.
COMMON_LABELS = frozenset(
    {"job", "instance", "otel_scope_name", "otel_scope_version", "otel_scope_schema_url"}
)


def prom_label(attribute: str) -> str:
    """An attribute key as a Prometheus label name (classic escaping)."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", attribute)


def prom_base_name(instrument: str, unit: str) -> str:
    """An instrument's Prometheus name before the type suffix (`_total`, `_bucket`, ...)."""
    name = re.sub(r"[^a-zA-Z0-9_:]", "_", instrument)
    suffix = {"s": "seconds", "ms": "milliseconds", "By": "bytes"}.get(unit, "")
    if unit and not unit.startswith("{") and not suffix:
        raise ValueError(f"unit {unit!r} of {instrument} has no translation here: add it")
    return f"{name}_{suffix}" if suffix else name


@dataclass(frozen=True)
class Family:
    """One emitted metric: its OTel instrument, kind and the labels its points may carry."""

    instrument: str
    unit: str
    kind: str  # "counter" or "histogram"
    attributes: frozenset[str]

    @property
    def base(self) -> str:
        return prom_base_name(self.instrument, self.unit)

    @property
    def series_names(self) -> dict[str, frozenset[str]]:
        """Every Prometheus series name of this family, with the labels it may carry."""
        labels = frozenset(prom_label(a) for a in self.attributes) | COMMON_LABELS
        if self.kind == "counter":
            return {f"{self.base}_total": labels}
        return {
            f"{self.base}_bucket": labels | {"le"},
            f"{self.base}_sum": labels,
            f"{self.base}_count": labels,
        }


# Model-call metrics carry exactly these (their attribute lists are closed in the spec).
_INFERENCE = frozenset(
    {
        sc.GEN_AI_OPERATION_NAME,
        sc.GEN_AI_PROVIDER_NAME,
        sc.GEN_AI_REQUEST_MODEL,
        sc.GEN_AI_RESPONSE_MODEL,
        sc.ERROR_TYPE,
        "server.address",
        "server.port",
    }
)
_AGENT = frozenset({sc.GEN_AI_AGENT_NAME, sc.GEN_AI_REQUEST_MODEL, sc.ERROR_TYPE})
_TOOL = frozenset({sc.GEN_AI_TOOL_NAME, sc.GEN_AI_TOOL_TYPE, sc.GEN_AI_AGENT_NAME, sc.ERROR_TYPE})
_WORKFLOW = frozenset({sc.GEN_AI_WORKFLOW_NAME, sc.ERROR_TYPE})
_INVOCATION = frozenset(
    {
        sc.GEN_AI_OPERATION_NAME,
        sc.GEN_AI_INVOCATION_IS_NESTED,
        sc.GEN_AI_AGENT_NAME,
        sc.GEN_AI_WORKFLOW_NAME,
        sc.GEN_AI_REQUEST_MODEL,
        sc.ERROR_TYPE,
    }
)

# Ours (otel_agents.*), the same in both profiles.
_OURS: tuple[Family, ...] = (
    Family(
        sc.METRIC_STREAM_EVENTS,
        "{event}",
        "counter",
        frozenset({sc.OA_STREAM_EVENT_TYPE, sc.OA_STREAM_EVENT_NAME, sc.GEN_AI_AGENT_NAME}),
    ),
    Family(
        sc.METRIC_RUNS,
        "{run}",
        "counter",
        frozenset({sc.OA_RUN_OUTCOME, sc.GEN_AI_AGENT_NAME, sc.GEN_AI_WORKFLOW_NAME}),
    ),
    Family(
        sc.METRIC_TOOL_CALLS,
        "{call}",
        "counter",
        frozenset({sc.GEN_AI_TOOL_NAME, sc.OA_TOOL_OUTCOME, sc.GEN_AI_AGENT_NAME}),
    ),
    Family(
        sc.METRIC_HANDOFFS,
        "{handoff}",
        "counter",
        frozenset({sc.OA_HANDOFF_FROM_AGENT, sc.OA_HANDOFF_TO_AGENT}),
    ),
    Family(
        sc.METRIC_GUARDRAIL_TRIPS,
        "{trip}",
        "counter",
        frozenset({sc.OA_GUARDRAIL_NAME, sc.OA_GUARDRAIL_KIND}),
    ),
    Family(sc.METRIC_TELEMETRY_DROPPED, "{item}", "counter", frozenset({sc.OA_SIGNAL})),
    Family(
        sc.METRIC_COST,
        sc.COST_UNIT,
        "counter",
        frozenset(
            {
                sc.GEN_AI_PROVIDER_NAME,
                sc.GEN_AI_REQUEST_MODEL,
                sc.GEN_AI_AGENT_NAME,
                sc.GEN_AI_WORKFLOW_NAME,
                sc.GEN_AI_USAGE_COST_CURRENCY,
            }
        ),
    ),
    # PR #443's per-call histogram, in both profiles (otel/cost.py).
    Family(
        sc.METRIC_OPERATION_COST,
        sc.COST_UNIT,
        "histogram",
        (_INFERENCE - {sc.ERROR_TYPE})
        | {sc.GEN_AI_USAGE_COST_CURRENCY, sc.GEN_AI_USAGE_COST_SOURCE},
    ),
)
# Per agent invocation and per tool call: the same names in both profiles.
_PER_AGENT_AND_TOOL: tuple[Family, ...] = (
    Family(sc.METRIC_EXECUTE_TOOL_DURATION, "s", "histogram", _TOOL),
    Family(
        sc.METRIC_INVOKE_AGENT_INFERENCE_CALLS,
        "{inference_call}",
        "histogram",
        frozenset({sc.GEN_AI_AGENT_NAME}),
    ),
    Family(
        sc.METRIC_INVOKE_AGENT_TOOL_CALLS,
        "{tool_call}",
        "histogram",
        frozenset({sc.GEN_AI_AGENT_NAME}),
    ),
)

# The default profile: the conventions as opentelemetry-util-genai 1.3b0 emits them.
DEFAULT_FAMILIES: tuple[Family, ...] = (
    Family(sc.METRIC_TOKEN_USAGE, "{token}", "histogram", _INFERENCE | {sc.GEN_AI_TOKEN_TYPE}),
    Family(sc.METRIC_OPERATION_DURATION, "s", "histogram", _INFERENCE),
    Family(sc.METRIC_TIME_TO_FIRST_CHUNK, "s", "histogram", _INFERENCE),
    Family(sc.METRIC_TIME_PER_OUTPUT_CHUNK, "s", "histogram", _INFERENCE),
    Family(sc.METRIC_INVOKE_WORKFLOW_DURATION, "s", "histogram", _WORKFLOW),
    Family(sc.METRIC_INVOKE_AGENT_DURATION, "s", "histogram", _AGENT),
    *_PER_AGENT_AND_TOOL,
    *_OURS,
)
# OTEL_AGENTS_SEMCONV=newest: #521 (inference metrics), #374 (token counters by modality and
# per-call token histograms), #571 (one invocation duration for turns, workflows and agents).
_TOKENS = _INFERENCE - {sc.ERROR_TYPE}
NEWEST_FAMILIES: tuple[Family, ...] = (
    Family(sc.METRIC_INFERENCE_DURATION, "s", "histogram", _INFERENCE),
    Family(sc.METRIC_INFERENCE_TIME_TO_FIRST_CHUNK, "s", "histogram", _INFERENCE),
    Family(sc.METRIC_INFERENCE_TIME_PER_OUTPUT_CHUNK, "s", "histogram", _INFERENCE),
    *(
        Family(name, "{token}", "counter", _TOKENS | {sc.GEN_AI_TOKEN_MODALITY})
        for name in (
            sc.METRIC_INFERENCE_INPUT_TOKENS,
            sc.METRIC_INFERENCE_OUTPUT_TOKENS,
            sc.METRIC_INFERENCE_CACHE_READ_TOKENS,
            sc.METRIC_INFERENCE_CACHE_WRITE_TOKENS,
            sc.METRIC_INFERENCE_REASONING_TOKENS,
        )
    ),
    Family(sc.METRIC_INFERENCE_OPERATION_INPUT_TOKENS, "{token}", "histogram", _INFERENCE),
    Family(sc.METRIC_INFERENCE_OPERATION_OUTPUT_TOKENS, "{token}", "histogram", _INFERENCE),
    Family(sc.METRIC_INVOCATION_DURATION, "s", "histogram", _INVOCATION),
    *_PER_AGENT_AND_TOOL,
    *_OURS,
)
PROFILES: dict[str, tuple[Family, ...]] = {"default": DEFAULT_FAMILIES, "newest": NEWEST_FAMILIES}
FAMILIES = DEFAULT_FAMILIES

# The Collector's span_metrics connector (deploy/otel-collector.yaml: namespace
# traces.span.metrics, unit s, dimensions below). Only the datasource "traces to metrics" links
# use these: the dashboards stay on the app's own metrics so they also work without a Collector.
_SPAN_METRIC_LABELS = (
    frozenset(
        {"service_name", "span_name", "span_kind", "status_code", "collector_instance_id", "le"}
    )
    | frozenset(
        prom_label(a)
        for a in (
            sc.GEN_AI_OPERATION_NAME,
            sc.GEN_AI_AGENT_NAME,
            sc.GEN_AI_TOOL_NAME,
            sc.GEN_AI_REQUEST_MODEL,
        )
    )
    | COMMON_LABELS
)
COLLECTOR_SPAN_METRICS: dict[str, frozenset[str]] = {
    "traces_span_metrics_calls_total": _SPAN_METRIC_LABELS,
    "traces_span_metrics_duration_seconds_bucket": _SPAN_METRIC_LABELS,
    "traces_span_metrics_duration_seconds_sum": _SPAN_METRIC_LABELS,
    "traces_span_metrics_duration_seconds_count": _SPAN_METRIC_LABELS,
}


def project_series(profile: str = "default") -> dict[str, frozenset[str]]:
    """Series name -> allowed labels, for every metric the app emits in a profile."""
    out: dict[str, frozenset[str]] = {}
    for family in PROFILES[profile]:
        out.update(family.series_names)
    return out


def all_series() -> dict[str, frozenset[str]]:
    """Series name -> allowed labels, over both profiles."""
    out: dict[str, frozenset[str]] = {}
    for profile in PROFILES:
        for name, labels in project_series(profile).items():
            out[name] = out.get(name, frozenset()) | labels
    return out
