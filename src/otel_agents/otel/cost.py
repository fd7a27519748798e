"""What the bridge records about cost: each model call's, and its sums onto agents and roots.

A model call's cost comes from `pricing.py` (the app's prices, else genai-prices' bundled data) and
goes on its inference span as `gen_ai.usage.cost.amount` / `.currency` / `.source` ("local"), as
PR #443 of the GenAI conventions defines them (`semconv.SPEC_COST`). That attribute "records only
the cost of the operation being recorded and MUST NOT include cost attributable to nested
operations", so the sums carry our own names, each call counted once:

- an agent span: `otel_agents.cost.amount`, the calls this agent invocation made itself (an
  agent-as-tool's or a handoff target's calls are on their own agent spans), so summing every
  agent span of a trace gives the trace's cost;
- a root (the workflow span, a run's `handle_conversation_turn`, or a standalone agent):
  `otel_agents.cost.total`, every priced call under it, kept up to date as calls end (so a root
  that ends by shutdown still has what was spent);
- both carry `otel_agents.cost.currency` (the first priced call's) and
  `otel_agents.cost.uncounted_calls` when some calls are not in the sum: no price, or a price in
  another currency. A sum never silently claims to be complete.

Metrics, for priced calls: `gen_ai.client.operation.cost` (#443: a histogram with the model
call's attributes, the currency and the source) and `otel_agents.cost` (ours: a running total by
provider, model, agent, workflow and currency, for the cost dashboard's breakdowns).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

from opentelemetry.metrics import MeterProvider, get_meter_provider
from opentelemetry.util.types import AttributeValue

from ..pricing import Cost, Tokens, cost_of
from ..tracing.span_data import GenerationSpanData, SpanData
from . import semconv as sc
from .metric_attributes import chat_attributes
from .metrics import scope_version
from .totals import Totals

logger = logging.getLogger("otel_agents.otel")

Attributes = dict[str, AttributeValue]
Clean = Callable[[Attributes], Attributes]


class CostSum:
    """The model calls under one span: the sum of those priced in its currency, and the rest."""

    __slots__ = ("amount", "currency", "uncounted")

    def __init__(self) -> None:
        self.amount = 0.0
        self.currency: str | None = None
        self.uncounted = 0

    def add(self, cost: Cost | None) -> None:
        if cost is not None and self.currency is None:
            self.currency = cost.currency
        if cost is None or cost.currency != self.currency:
            self.uncounted += 1
        else:
            self.amount += cost.amount

    def attributes(self, amount_key: str) -> Attributes:
        """`amount_key` and the currency once a call was priced; the uncounted calls if any."""
        attrs: Attributes = {}
        if self.currency is not None:
            attrs[amount_key] = self.amount
            attrs[sc.OA_COST_CURRENCY] = self.currency
        if self.uncounted:
            attrs[sc.OA_COST_UNCOUNTED_CALLS] = self.uncounted
        return attrs


def price(data: GenerationSpanData) -> Cost | None:
    """The call's cost, or None (no price, or pricing failed: never raises)."""
    try:
        usage = Tokens.from_usage(data.usage or {})
        return cost_of(usage, data.model, data.provider, data.response_model)
    except Exception:  # pricing must never break a run
        logger.debug("otel-agents: pricing failed", exc_info=True)
        return None


def on_end(data: SpanData, entry: Any, root: Any, clean: Clean) -> Attributes | None:
    """Called as a span ends, sampled or not: prices a model call that reported tokens and adds
    it to its agent, turn and trace (updating the open roots' totals); returns the span's cost
    attributes (a model call's, or an agent's sum), or None."""
    if isinstance(data, GenerationSpanData):
        if not data.usage or any(_bad(v) for v in data.usage.values()):
            return None  # nothing to price (or counts no price could be trusted with)
        priced = entry.cost = price(data)
        for holder in (entry.owner, entry.turn, root):
            if holder is not None:
                if holder.cost is None:
                    holder.cost = CostSum()
                holder.cost.add(priced)
        for top, total in ((root and root.entry, root), (entry.turn, entry.turn)):
            if top is not None and top.otel_span.is_recording():
                top.otel_span.set_attributes(clean(total.cost.attributes(sc.OA_COST_TOTAL)))
        return span_attributes(priced) if priced is not None else None
    total = entry.cost
    if not isinstance(total, CostSum):
        return None
    attrs = total.attributes(sc.OA_COST_AMOUNT)
    if root is not None and root.agent_root is entry and root.cost is not None:
        attrs.update(root.cost.attributes(sc.OA_COST_TOTAL))  # a standalone agent is the root
    return attrs


def span_attributes(cost: Cost) -> Attributes:
    """The inference span's `gen_ai.usage.cost.*` (#443)."""
    return {
        sc.GEN_AI_USAGE_COST_AMOUNT: cost.amount,
        sc.GEN_AI_USAGE_COST_CURRENCY: cost.currency,
        sc.GEN_AI_USAGE_COST_SOURCE: cost.source,
    }


class _Instruments:
    """The cost instruments of one meter provider."""

    def __init__(self, provider: MeterProvider) -> None:
        meter = provider.get_meter(sc.SCOPE_NAME, scope_version())
        self.per_call = meter.create_histogram(
            sc.METRIC_OPERATION_COST, unit=sc.COST_UNIT,
            description="Cost of one model call (its currency is an attribute).",
            explicit_bucket_boundaries_advisory=sc.COST_BUCKETS,
        )  # fmt: skip
        self.totals = Totals(
            (sc.GEN_AI_PROVIDER_NAME, sc.GEN_AI_REQUEST_MODEL, sc.GEN_AI_AGENT_NAME,
             sc.GEN_AI_WORKFLOW_NAME, sc.GEN_AI_USAGE_COST_CURRENCY),
        )  # fmt: skip
        self.total = meter.create_observable_counter(
            sc.METRIC_COST, [self.totals.observe], unit=sc.COST_UNIT,
            description="Cost of model calls, by provider, model, agent, workflow and currency.",
        )  # fmt: skip
        self.attrs: dict[tuple[Any, ...], Attributes] = {}


_lock = threading.Lock()
_by_provider: weakref.WeakKeyDictionary[Any, _Instruments] = weakref.WeakKeyDictionary()


def record(meter_provider: MeterProvider | None, data: SpanData, entry: Any) -> None:
    """Records a priced model call's metrics (after its span ended); a no-op for anything else."""
    cost = entry.cost
    if not isinstance(cost, Cost) or not isinstance(data, GenerationSpanData):
        return
    provider: Any = meter_provider if meter_provider is not None else get_meter_provider()
    found = _by_provider.get(provider)
    if found is None:
        with _lock:
            found = _by_provider.get(provider)
            if found is None:
                found = _by_provider[provider] = _Instruments(provider)
    key = (data.provider, data.model, data.response_model, data.server_address,
           data.server_port, cost.currency, cost.source)  # fmt: skip
    attrs = found.attrs.get(key)
    if attrs is None:
        attrs = dict(chat_attributes(key[:5])[0])
        attrs[sc.GEN_AI_USAGE_COST_CURRENCY] = cost.currency
        attrs[sc.GEN_AI_USAGE_COST_SOURCE] = cost.source
        if len(found.attrs) < 2000:  # bounded, as the other metrics' attribute caches
            found.attrs[key] = attrs
    found.per_call.record(cost.amount, attrs)
    model = data.model or data.response_model
    found.totals.add((data.provider, model, entry.agent, entry.workflow, cost.currency),
                     cost.amount)  # type: ignore[arg-type]  # fmt: skip


def _bad(value: Any) -> bool:
    # Negative or absurd counts come from a broken server: priced, they would be a guess.
    return isinstance(value, int) and not 0 <= value < 2**53
