"""`record_each`: many observations of one histogram with one attribute set, at a fraction of the
cost of one `Histogram.record` call each.

A streamed model call records `time_per_output_chunk` once per chunk after the first (the spec
asks for one point per chunk), and one SDK `record` costs 6-20 us (it cleans and hashes the
attributes, finds the aggregation, takes its lock, offers an exemplar): hundreds of chunks per
call made this metric the largest cost of a streamed event. The OpenTelemetry SDK has no bulk
path, so on the SDK's own histogram this does what `record` would do per value, once per batch:

- the last value of each bucket goes through the public `record()` (this creates the aggregation
  under every view and reader, applies views, cardinality limits, the exemplar filter, and leaves
  the same exemplars as recording every value would: the SDK's histogram reservoir keeps the last
  measurement per bucket);
- the other values are added to each explicit-bucket aggregation under its own lock: bucket
  counts, count, sum, min and max, exactly what its `aggregate()` adds per value (the sum may
  differ from one-by-one addition in the last bit).

Anything it does not recognise (another SDK or version, a no-op or proxy instrument, a view with
another aggregation, an overflowed attribute set, a negative or non-finite value) falls back to
one `record()` per value. tests/otel/test_histograms.py compares both paths on the installed SDK.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.metrics import Histogram
from opentelemetry.util.types import AttributeValue

try:  # the SDK's internals this relies on; without them every value is recorded on its own
    from opentelemetry.sdk.metrics._internal._view_instrument_match import (
        _OVERFLOW_KEY,
        _hash_attributes,
    )
    from opentelemetry.sdk.metrics._internal.aggregation import (
        _DropAggregation,
        _ExplicitBucketHistogramAggregation,
    )
    from opentelemetry.sdk.metrics._internal.instrument import _Histogram

    _SDK_HISTOGRAM: Any = _Histogram
except ImportError:  # pragma: no cover - another SDK version
    _SDK_HISTOGRAM = None

__all__ = ["record_each"]

MIN_BATCH = 8
"""Below this many values, plain `record()` calls are as cheap."""

_DEFAULT_BOUNDARIES = (0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0,
                       2500.0, 5000.0, 7500.0, 10000.0)  # fmt: skip


def record_each(
    histogram: Histogram, values: Sequence[float], attributes: Mapping[str, AttributeValue]
) -> None:
    """Records every value in `values` as one observation with `attributes`.

    Same points as `for v in values: histogram.record(v, attributes)`; values must be >= 0.
    """
    if len(values) < MIN_BATCH or not _record_batch(histogram, values, attributes):
        record = histogram.record
        for value in values:
            record(value, attributes)


def _record_batch(
    histogram: Any, values: Sequence[float], attributes: Mapping[str, AttributeValue]
) -> bool:
    """The batch path; False (having recorded nothing) when it does not apply."""
    if _SDK_HISTOGRAM is None or type(histogram) is not _SDK_HISTOGRAM:
        return False
    try:
        if not histogram._is_enabled():
            return False
        advisory = histogram._advisory.explicit_bucket_boundaries
    except AttributeError:  # pragma: no cover - internals changed
        return False
    low, high = min(values), max(values)
    if not (low >= 0.0 and math.isfinite(high)):
        return False  # `record` warns about these, one by one
    bounds = tuple(advisory) if advisory is not None else _DEFAULT_BOUNDARIES
    n = len(values)
    first = bisect_left(bounds, low)
    if first == bisect_left(bounds, high):  # one bucket (chunk gaps mostly are): no loop
        counts: dict[int, int] = {first: n - 1}
        last = {first: n - 1}
    else:
        buckets = [bisect_left(bounds, v) for v in values]
        counts = Counter(buckets)
        last = dict(zip(buckets, range(n), strict=True))  # bucket -> its last value
        for bucket in last:
            counts[bucket] -= 1
    record = histogram.record
    chosen = sorted(last.values())
    for position in chosen:
        record(values[position], attributes)
    rest = list(values)
    for position in reversed(chosen):
        del rest[position]
    if rest and not _merge_rest(histogram, attributes, bounds, counts, rest):
        for value in rest:
            record(value, attributes)
    return True


def _merge_rest(
    histogram: Any,
    attributes: Mapping[str, AttributeValue],
    bounds: tuple[float, ...],
    counts: Mapping[int, int],
    rest: list[float],
) -> bool:
    """Adds `rest` to the aggregation of every reader and view, as `aggregate()` would one by
    one; False (having added nothing) unless each is an explicit-bucket histogram (or dropped)."""
    targets: list[tuple[Any, Any, dict[str, AttributeValue]]] = []
    try:
        for storage in histogram._measurement_consumer._reader_storages.values():
            for match in storage._get_or_init_view_instrument_match(histogram):
                keys = match._view._attribute_keys
                attrs = dict(attributes)
                if keys is not None:
                    attrs = {k: v for k, v in attrs.items() if k in keys}
                key = _hash_attributes(attrs)
                # Created by the records just made (keyed, or the overflow set past the limit).
                existing = match._attributes_aggregation
                aggregation = existing.get(key) or existing.get(_OVERFLOW_KEY)
                if isinstance(aggregation, _DropAggregation):
                    continue
                if type(aggregation) is not _ExplicitBucketHistogramAggregation:
                    return False  # another aggregation, or a delta reader just collected
                targets.append((match, key, attrs))
    except (AttributeError, TypeError):  # pragma: no cover - internals changed
        return False
    total, low, high = sum(rest), min(rest), max(rest)
    for match, key, attrs in targets:
        # The match's lock, as `consume_measurement` takes it: a delta reader's collect() drops
        # aggregations under it, and this finds the one now current (or a new one).
        with match._lock:
            aggregation = match._get_or_create_aggregation(key, attrs)
            with aggregation._lock:
                if aggregation._value is None:
                    aggregation._value = aggregation._get_empty_bucket_counts()
                value = aggregation._value
                if aggregation._boundaries == bounds:
                    for bucket, n in counts.items():
                        value[bucket] += n
                else:  # a view with its own boundaries
                    own = aggregation._boundaries
                    for v in rest:
                        value[bisect_left(own, v)] += 1
                aggregation._sum += total
                if aggregation._record_min_max:
                    aggregation._min = min(aggregation._min, low)
                    aggregation._max = max(aggregation._max, high)
    return True
