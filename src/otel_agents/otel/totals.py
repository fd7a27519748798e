"""Counters as running totals: a dict and a lock per counter, read by an `ObservableCounter`.

An SDK `Counter.add` costs 6-11 us (attribute validation, hashing, aggregation, exemplar
sampling); a bridge that adds to five counters per run, and once per stream event type, pays
that on every run. `Totals` keeps the cumulative count of each attribute set instead (a dict
lookup and a locked increment, well under a microsecond), and its `observe` is the callback of an
`ObservableCounter` of the same name, unit and attributes: a reader collecting gets the same
cumulative monotonic sums (Prometheus serves the same `_total` series), computed once per
collection instead of once per run. Counters lose only their exemplars (histograms keep theirs).

Cardinality stays bounded as in the SDK: past `MAX_SERIES` attribute sets, new ones are counted
in one `otel.metric.overflow=true` series.

A forked child starts every total at zero: the parent's counts are the parent's to report, and a
child that inherited them would count each of the parent's runs once more.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.util.types import AttributeValue

from .capture import metric_value

MAX_SERIES = 1999
"""Attribute sets per counter before new ones go to the overflow series (with it: the SDK's
default cardinality limit, 2000)."""
_OVERFLOW: dict[str, AttributeValue] = {"otel.metric.overflow": True}


class Totals:
    """Running totals of one counter by attribute set, read by its `ObservableCounter`.

    `add` is keyed by the raw attribute values (a tuple: a dict lookup, no cleaning); the first
    time a key is seen its attributes are cleaned and it gets a cell, shared by keys that clean
    to the same attributes, so no attribute set is ever observed twice.
    """

    def __init__(
        self,
        keys: tuple[str, ...],
        split: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
    ) -> None:
        self._keys = keys
        self._split = split  # raw values -> attribute values, when they differ
        self._cells: dict[tuple[Any, ...], list[Any]] = {}  # raw values -> [total, attributes]
        self._series: dict[tuple[Any, ...], list[Any]] = {}  # cleaned values -> the same cells
        self._lock = threading.Lock()
        _all.add(self)

    def _zero(self) -> None:
        self._cells = {}
        self._series = {}
        self._lock = threading.Lock()  # another thread may have held it at the fork

    def add(self, values: tuple[Any, ...], amount: int = 1) -> None:
        """Adds `amount` to the series of `values` (one per key; None leaves the key out)."""
        cell = self._cells.get(values)
        with self._lock:
            if cell is None:
                cell = self._cell(values)
            cell[0] += amount

    def add_counts(self, counts: Mapping[str, int], last: str) -> None:
        """Adds each positive count of `counts` to the series of raw values (key, `last`)."""
        cells = self._cells
        with self._lock:  # once for all of them
            for key, amount in counts.items():
                if amount > 0:
                    raw = (key, last)
                    cell = cells.get(raw)
                    if cell is None:
                        cell = self._cell(raw)
                    cell[0] += amount

    def _cell(self, values: tuple[Any, ...]) -> list[Any]:
        """The cell for new raw values (called with the lock held)."""
        split = values if self._split is None else self._split(values)
        cleaned = tuple(metric_value(v) if isinstance(v, str) else v for v in split)
        cell = self._series.get(cleaned)
        if cell is None:
            if len(self._series) >= MAX_SERIES:
                cell = self._series.get(())
                if cell is None:
                    cell = self._series[()] = [0, dict(_OVERFLOW)]
                return cell  # not remembered by raw values: that map stays bounded too
            attrs = {k: v for k, v in zip(self._keys, cleaned, strict=True) if v is not None}
            cell = self._series[cleaned] = [0, attrs]
        if len(self._cells) < 2 * MAX_SERIES:
            self._cells[values] = cell
        return cell

    def observe(self, options: CallbackOptions) -> Iterator[Observation]:
        """The `ObservableCounter` callback: every series' cumulative total."""
        with self._lock:
            cells = [(total, attrs) for total, attrs in self._series.values() if total > 0]
        for total, attrs in cells:
            yield Observation(total, attrs)


_all: weakref.WeakSet[Totals] = weakref.WeakSet()


def _zero_in_child() -> None:
    for totals in list(_all):
        totals._zero()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_zero_in_child)
