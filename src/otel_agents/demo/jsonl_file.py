"""Reading a `JsonlFileProcessor` file for `otel-agents view`, whatever is in it.

Every line is checked field by field, so content of the wrong shape is one `ValueError` naming the
line and the field (the command prints it as one line, exit code 2), never a traceback later.
Each record is cut down to what the tree shows (names, times, tokens, errors; no prompts or
outputs), so memory stays about the size of the file however much content it holds. A last line
without its newline is what a killed writer leaves: it is skipped and reported, the rest shown.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["JsonlContent", "read_jsonl"]

_STR_FIELDS = ("id", "trace_id", "parent_id", "workflow_name")
_TIME_FIELDS = ("start_time_ns", "end_time_ns")
_TOKEN_NAMES = (
    "input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens",
    "reasoning_tokens",
)  # fmt: skip
_DATA_NAMES = ("type", "name", "model", "response_model", "provider", "from_agent", "to_agent")


@dataclass
class JsonlContent:
    """What a file holds.

    Attributes:
        records: The traces and spans, cut down to what `otel-agents view` shows.
        cut_line: The number of the last line when the writer stopped in the middle of it.
    """

    records: list[dict[str, Any]] = field(default_factory=list)
    cut_line: int | None = None


class _Bad(ValueError):
    pass


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _expect(ok: bool, where: str, name: str, shape: str) -> None:
    if not ok:
        raise _Bad(f"{where}: {name} is not {shape}")


def _slim(record: Any, where: str, strings: dict[str, str]) -> dict[str, Any]:
    """The record with only the fields the tree shows, each checked."""
    kind = record.get("object") if isinstance(record, dict) else None
    if kind not in ("trace", "trace.span"):
        raise _Bad(f"{where} is not a trace or span written by otel-agents")
    out: dict[str, Any] = {"object": kind}
    for name in _STR_FIELDS:
        value = record.get(name)
        _expect(value is None or isinstance(value, str), where, name, "a string")
        if value is not None:
            # Ids repeat (every span names its trace and its parent): keep one copy of each.
            out[name] = strings.setdefault(value, value) if name != "workflow_name" else value
    for name in _TIME_FIELDS:
        value = record.get(name)
        _expect(value is None or _is_int(value), where, name, "an integer (nanoseconds)")
        if value is not None:
            out[name] = value
    error = record.get("error")
    if error is not None:
        _expect(isinstance(error, dict), where, "error", "an object")
        for name in ("type", "message"):
            value = error.get(name)
            _expect(value is None or isinstance(value, str), where, f"error.{name}", "a string")
        out["error"] = {"type": error.get("type"), "message": error.get("message")}
    if kind == "trace.span":
        out["span_data"] = _slim_data(record.get("span_data"), where)
    return out


def _slim_data(data: Any, where: str) -> dict[str, Any]:
    if data is None:
        return {}
    _expect(isinstance(data, dict), where, "span_data", "an object")
    out: dict[str, Any] = {}
    for name in _DATA_NAMES:
        value = data.get(name)
        _expect(value is None or isinstance(value, str), where, f"span_data.{name}", "a string")
        if value is not None:
            out[name] = sys.intern(value) if name == "type" else value
    first = data.get("time_to_first_chunk")
    ok = first is None or _is_int(first) or isinstance(first, float)
    _expect(ok, where, "span_data.time_to_first_chunk", "a number (seconds)")
    if first is not None:
        out["time_to_first_chunk"] = first
    if "triggered" in data:
        out["triggered"] = bool(data["triggered"])
    usage = data.get("usage")
    if usage is not None:
        _expect(isinstance(usage, dict), where, "span_data.usage", "an object")
        tokens = {}
        # every kind of token a price needs (cost is computed when the tree is drawn)
        for name in _TOKEN_NAMES:
            value = usage.get(name)
            _expect(value is None or _is_int(value), where, f"span_data.usage.{name}", "an integer")
            if value is not None or name in ("input_tokens", "output_tokens"):
                tokens[name] = value or 0
        out["usage"] = tokens
    return out


def read_jsonl(path: Path) -> JsonlContent:
    """The file's records; raises ValueError naming the first bad line and what is wrong."""
    content = JsonlContent()
    strings: dict[str, str] = {}
    with path.open("rb") as file:
        number = 0
        for raw in file:  # one line in memory at a time
            number += 1
            if not raw.strip():
                continue
            where = f"{path}:{number}"
            try:
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise _Bad(f"{where} is not UTF-8 (byte {error.start})") from None
                try:
                    record = json.loads(text)
                except (json.JSONDecodeError, RecursionError) as error:
                    reason = error.msg if isinstance(error, json.JSONDecodeError) else "too deep"
                    raise _Bad(f"{where} is not JSON ({reason})") from None
                content.records.append(_slim(record, where, strings))
            except _Bad:
                if raw.endswith(b"\n"):
                    raise
                content.cut_line = number  # the last line, cut short by a writer that stopped
    return content
