"""The GenAI events the bridge emits as log records, as Loki stores them: what LogQL may query.

Built from `otel_agents.otel.semconv` (the one place our names are spelled) and translated the
way Loki 3.7 ingests OTLP (deploy/loki.yaml cites its docs): resource attributes on Loki's
default list become index labels (the stream selector's), everything else is structured metadata,
with every character a label name cannot hold replaced by `_`.

A record's own fields are structured metadata too: `trace_id` / `span_id` (lowercase hex, the
ids Tempo and Jaeger show), `severity_text` / `severity_number`, `scope_name` / `scope_version`.
Loki 3.7 drops the `event_name` field; the Collector copies it into the `event.name` attribute
(deploy/otel-collector.yaml), so it arrives as `event_name`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from otel_agents.otel import semconv as sc


def loki_name(attribute: str) -> str:
    """An OTLP attribute key as Loki 3.7 names the label or structured metadata it becomes."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", attribute)


# The resource attributes Loki 3.7 indexes by default (distributor otlp_config
# default_resource_attributes_as_index_labels), as label names.
LOKI_DEFAULT_INDEX_LABELS = frozenset(
    loki_name(a)
    for a in (
        "cloud.availability_zone", "cloud.region", "container.name",
        "deployment.environment.name", "k8s.cluster.name", "k8s.container.name",
        "k8s.cronjob.name", "k8s.daemonset.name", "k8s.deployment.name", "k8s.job.name",
        "k8s.namespace.name", "k8s.pod.name", "k8s.replicaset.name", "k8s.statefulset.name",
        "service.instance.id", "service.name", "service.namespace",
    )
)  # fmt: skip

# The index labels every record of ours has: the SDK always sets service.name (OTEL_SERVICE_NAME,
# else "unknown_service..."); the others exist only where the user's resource sets them.
STREAM_LABELS = frozenset({loki_name("service.name")})
assert STREAM_LABELS <= LOKI_DEFAULT_INDEX_LABELS

# Structured metadata every record carries, whatever its event.
RECORD_METADATA = frozenset(
    {"trace_id", "span_id", "severity_text", "severity_number", "scope_name", "scope_version",
     loki_name("event.name")}
)  # fmt: skip
EVENT_NAME_LABEL = loki_name("event.name")


@dataclass(frozen=True)
class EventRecord:
    """One event: its name and the attributes its log record may carry."""

    name: str
    attributes: frozenset[str]
    # Attributes whose values form a closed set, and that set.
    values: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def metadata(self) -> dict[str, frozenset[str] | None]:
        """Structured metadata name -> its closed set of values (None: any value)."""
        out: dict[str, frozenset[str] | None] = {loki_name(a): None for a in self.attributes}
        out.update({loki_name(a): v for a, v in self.values.items()})
        return out


EVENTS: tuple[EventRecord, ...] = (
    # gen-ai-guardrails.md: one record per guardrail verdict, tripped or not.
    EventRecord(
        sc.EVENT_GUARDRAIL_RESULT,
        frozenset(
            {
                sc.GEN_AI_GUARDRAIL_COMPONENT_NAME,
                sc.GEN_AI_GUARDRAIL_SOURCE,
                sc.GEN_AI_GUARDRAIL_RESULT_TYPE,
                sc.GEN_AI_GUARDRAIL_RESULT_VALUE,
                sc.GEN_AI_CONVERSATION_ID,
            }
        ),
        {
            sc.GEN_AI_GUARDRAIL_RESULT_TYPE: frozenset({sc.GUARDRAIL_RESULT_TYPE_TRIPWIRE}),
            sc.GEN_AI_GUARDRAIL_RESULT_VALUE: frozenset({"true", "false"}),
        },
    ),
    # A failed model call (WARN): the call's attributes, error.type and the exception's type
    # (its message and data only with content capture on: they can quote a prompt).
    EventRecord(
        sc.EVENT_OPERATION_EXCEPTION,
        frozenset(
            {
                sc.GEN_AI_OPERATION_NAME,
                sc.GEN_AI_PROVIDER_NAME,
                sc.GEN_AI_REQUEST_MODEL,
                sc.SERVER_ADDRESS,
                sc.SERVER_PORT,
                sc.ERROR_TYPE,
                sc.EXCEPTION_TYPE,
                sc.EXCEPTION_MESSAGE,
                sc.OA_ERROR_DATA,
                sc.GEN_AI_CONVERSATION_ID,
            }
        ),
    ),
)
EVENTS_BY_NAME = {event.name: event for event in EVENTS}


@dataclass(frozen=True)
class LogQLCheck:
    """A LogQL query that passed `check_logql`: the events it reads and the labels it keeps."""

    events: tuple[EventRecord, ...]
    grouping: frozenset[str]
    filters: tuple[tuple[str, str, str], ...]


_DOTTED = re.compile(r"(?<![\w.])[a-zA-Z_]\w*(?:\.\w+)+\s*(?:=~|!~|!=|==|=|>=|<=|>|<)")


def check_logql(expr: str) -> LogQLCheck:
    """Asserts a LogQL query only names what our records carry in Loki; returns what it reads.

    Stream selector labels must be index labels every record has; `event_name` filters must
    name events the bridge emits; every other label filter and grouping label must be structured
    metadata of those events (or of every record), compared with a value it can have.
    """
    from ._stack import logql_names  # here: _stack imports nothing from this module

    try:
        names = logql_names(expr)
    except ValueError as error:
        raise AssertionError(str(error)) from None
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', '""', expr)
    dotted = _DOTTED.search(unquoted)
    assert dotted is None, f"{dotted.group(0)!r} is not a label name: Loki turns dots into _"
    for label, _op, _value in names.selector:
        assert label in STREAM_LABELS, f"{label} is not an index label of our records"
    events = []
    for label, op, value in names.filters:
        if label == EVENT_NAME_LABEL:
            assert op == "=", f"compare {EVENT_NAME_LABEL} with = (got {op})"
            assert value in EVENTS_BY_NAME, f"no such event: {value!r}"
            events.append(EVENTS_BY_NAME[value])
    carried: dict[str, frozenset[str] | None] = {name: None for name in RECORD_METADATA}
    for event in events:
        carried.update(event.metadata)
    for label, op, value in names.filters:
        if label == EVENT_NAME_LABEL:
            continue
        assert label in carried, f"{label} is not carried by {[e.name for e in events]}"
        closed = carried[label]
        if closed is not None and op in ("=", "!="):
            assert value in closed, f"{label} never carries {value!r} (only {sorted(closed)})"
    for label in names.grouping:
        assert label in carried or label in STREAM_LABELS, (
            f"grouping label {label} is not carried by {[e.name for e in events]}"
        )
    return LogQLCheck(tuple(events), names.grouping, names.filters)
