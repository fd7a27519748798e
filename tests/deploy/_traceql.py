"""A small TraceQL parser and evaluator, for the dashboards' Tempo queries.

Not Tempo's grammar, only the part our dashboards use, parsed strictly: a span selector
`{ cond }` whose conditions compare an intrinsic (`status`, `name`, `kind`, `duration`) or a
scoped attribute (`span.x`, `resource.x`) with a string, number, duration, `nil` or a status
value, joined by `&&`, `||` and parentheses; then pipeline stages `select(field, ...)`. Anything
else is a `TraceQLError` naming what it met, so a typo fails `make test` rather than an empty panel
in a live Grafana. `matches` evaluates the conditions on one span's attributes, so a test can run
a panel's query against the spans of a real run (Tempo itself runs them in the Docker tests).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

INTRINSICS = frozenset({"status", "name", "kind", "duration"})
STATUS_VALUES = frozenset({"error", "ok", "unset"})
KIND_VALUES = frozenset({"internal", "client", "server", "producer", "consumer", "unspecified"})
SCOPES = ("span.", "resource.")
OPERATORS = ("=~", "!~", "!=", ">=", "<=", "=", ">", "<")

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<duration>\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))(?![\w.])
  | (?P<number>-?\d+(?:\.\d+)?)(?![\w.])
  | (?P<op>&&|\|\||=~|!~|!=|>=|<=|=|>|<)
  | (?P<punct>[{}(),|])
  | (?P<ident>[A-Za-z_][\w.:]*)
    )""",
    re.X,
)


class TraceQLError(ValueError):
    """The query is not TraceQL our checks accept."""


@dataclass(frozen=True)
class Comparison:
    field: str  # an intrinsic, or "span.x" / "resource.x"
    op: str
    value: Any  # str, float, ("duration", seconds), ("status"|"kind", name), or None (nil)


@dataclass
class Query:
    """A parsed query: its condition tree and the fields its `select()` stages read."""

    condition: Any  # Comparison | ("and"|"or", left, right) | None (match every span)
    selects: list[str] = field(default_factory=list)

    @property
    def fields(self) -> set[str]:
        """Every scoped attribute the query reads (conditions and selects)."""
        found: set[str] = {f for f in self.selects if f.startswith(SCOPES)}

        def walk(node: Any) -> None:
            if isinstance(node, Comparison):
                if node.field.startswith(SCOPES):
                    found.add(node.field)
            elif node is not None:
                walk(node[1])
                walk(node[2])

        walk(self.condition)
        return found


def _tokens(expr: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    expr = expr.rstrip()
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if match is None or match.end() == pos:
            raise TraceQLError(f"unexpected text at {pos}: {expr[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, expr: str) -> None:
        self.tokens = _tokens(expr)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, text: str | None = None, kind: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise TraceQLError(f"query ends where {text or kind} was expected")
        if (text is not None and token[1] != text) or (kind is not None and token[0] != kind):
            raise TraceQLError(f"expected {text or kind}, got {token[1]!r}")
        self.pos += 1
        return token

    def query(self) -> Query:
        self.take("{")
        condition = None if self.peek() == ("punct", "}") else self.disjunction()
        self.take("}")
        query = Query(condition)
        while self.peek() is not None:
            self.take("|")
            stage = self.take(kind="ident")[1]
            if stage != "select":
                raise TraceQLError(f"pipeline stage {stage!r} is not one our checks know")
            self.take("(")
            query.selects.append(self.field())
            while self.peek() == ("punct", ","):
                self.take(",")
                query.selects.append(self.field())
            self.take(")")
        return query

    def disjunction(self) -> Any:
        node = self.conjunction()
        while self.peek() == ("op", "||"):
            self.take("||")
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self) -> Any:
        node = self.atom()
        while self.peek() == ("op", "&&"):
            self.take("&&")
            node = ("and", node, self.atom())
        return node

    def atom(self) -> Any:
        if self.peek() == ("punct", "("):
            self.take("(")
            node = self.disjunction()
            self.take(")")
            return node
        name = self.field()
        op = self.take(kind="op")[1]
        if op not in OPERATORS:
            raise TraceQLError(f"{op!r} is not a comparison")
        kind, text = self.take()
        if kind == "string":
            value: Any = text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif kind == "number":
            value = float(text)
        elif kind == "duration":
            value = ("duration", _seconds(text))
        elif kind == "ident" and text == "nil":
            value = None
        elif kind == "ident" and name == "status" and text in STATUS_VALUES:
            value = ("status", text)
        elif kind == "ident" and name == "kind" and text in KIND_VALUES:
            value = ("kind", text)
        else:
            raise TraceQLError(f"{text!r} is not a value {name} can be compared with")
        if op in ("=~", "!~") and not isinstance(value, str):
            raise TraceQLError(f"{op} needs a string regex, got {text!r}")
        if name == "status" and not (isinstance(value, tuple) and value[0] == "status"):
            raise TraceQLError(f"status compares with error, ok or unset, not {text!r}")
        return Comparison(name, op, value)

    def field(self) -> str:
        text = self.take(kind="ident")[1]
        if text in INTRINSICS or (text.startswith(SCOPES) and len(text.split(".", 1)[1]) > 0):
            return text
        raise TraceQLError(
            f"{text!r} is neither an intrinsic ({sorted(INTRINSICS)}) nor a span./resource. "
            "attribute (unscoped names make Tempo search both scopes)"
        )


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)", text).groups()  # type: ignore[union-attr]
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]
    return float(number) * scale


def parse(expr: str) -> Query:
    """The parsed query, or a `TraceQLError` saying what is wrong."""
    parser = _Parser(expr)
    query = parser.query()
    if parser.peek() is not None:
        raise TraceQLError(f"unexpected {parser.peek()!r} after the query")
    return query


@dataclass(frozen=True)
class SpanFacts:
    """What a condition reads from one span."""

    name: str
    kind: str  # "internal", "client", ...
    status: str  # "error", "ok", "unset"
    duration_s: float
    attributes: dict[str, Any]
    resource: dict[str, Any]


def matches(query: Query, span: SpanFacts) -> bool:
    """Whether the query's conditions select this span."""
    return query.condition is None or _eval(query.condition, span)


def _eval(node: Any, span: SpanFacts) -> bool:
    if isinstance(node, tuple):
        left = _eval(node[1], span)
        return (
            (left and _eval(node[2], span)) if node[0] == "and" else (left or _eval(node[2], span))
        )
    field_name, op, value = node.field, node.op, node.value
    if field_name == "status":
        actual: Any = ("status", span.status)
    elif field_name == "kind":
        actual = ("kind", span.kind)
    elif field_name == "duration":
        actual = ("duration", span.duration_s)
    elif field_name == "name":
        actual = span.name
    elif field_name.startswith("span."):
        actual = span.attributes.get(field_name[len("span.") :])
    else:
        actual = span.resource.get(field_name[len("resource.") :])
    if value is None:  # nil: existence
        return (actual is None) if op == "=" else (actual is not None) if op == "!=" else False
    if actual is None:
        return False
    if op == "=":
        return bool(actual == value)
    if op == "!=":
        return bool(actual != value)
    if op in ("=~", "!~"):  # Tempo anchors regexes, like Prometheus
        found = re.fullmatch(value, str(actual)) is not None
        return found if op == "=~" else not found
    a = actual[1] if isinstance(actual, tuple) else actual
    b = value[1] if isinstance(value, tuple) else value
    try:
        return bool({">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op])
    except TypeError:
        return False
