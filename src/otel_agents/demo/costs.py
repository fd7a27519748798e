"""Cost in the terminal: each model call's, and a trace's, from the records' token usage.

The same prices as the exported telemetry (`pricing.py`: the app's prices, the scripted model's
declared one, genai-prices' bundled data), computed when the tree is drawn, so `otel-agents view`
shows the cost of a file written before prices were known. A call without a price shows none and
a total says how many calls it leaves out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..pricing import Cost, Tokens, cost_of


def call_cost(data: Mapping[str, Any]) -> Cost | None:
    """One generation record's cost, or None (no tokens, no price)."""
    usage = data.get("usage")
    if not isinstance(usage, Mapping) or not usage:
        return None
    model, answered = data.get("model"), data.get("response_model")
    provider = data.get("provider")
    return cost_of(
        Tokens.from_usage(usage),
        model if isinstance(model, str) else None,
        provider if isinstance(provider, str) else None,
        answered if isinstance(answered, str) else None,
    )


def total(calls: Iterable[Mapping[str, Any]]) -> tuple[float, str | None, int]:
    """(sum, its currency, calls left out: no price or another currency) of generation records."""
    amount, currency, left_out = 0.0, None, 0
    for data in calls:
        if not data.get("usage"):
            continue
        cost = call_cost(data)
        if cost is not None and currency is None:
            currency = cost.currency
        if cost is None or cost.currency != currency:
            left_out += 1
        else:
            amount += cost.amount
    return amount, currency, left_out


def money(amount: float, currency: str) -> str:
    """`$0.000104` for dollars, `0.0012 EUR` for others: enough digits for one model call."""
    text = f"{amount:.6f}" if amount < 0.01 else f"{amount:.4f}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"
