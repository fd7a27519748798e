"""What one model call cost, computed locally from its tokens.

A call's cost is looked up in this order; the first that knows the model wins:

1. the app's hook (`set_price_hook`): a function of (model, provider) returning a `Price` or None;
2. prices the app declared (`add_price`) or the JSON file named by `OTEL_AGENTS_PRICES_FILE`;
3. the declared demo price of the scripted model (provider `scripted`), so the offline demo has
   something to show;
4. the `genai-prices` library's bundled price data (Pydantic's, used by Logfire and pydantic-ai).
   Only the data shipped in the installed package is read: nothing is fetched at run time (its
   `UpdatePrices` background fetcher is never started here).

A model nobody prices gets no cost, never a guess, and one log line per model saying how to add a
price. A failed lookup (bad token counts, a library error) is the same: no cost, one log line; a run
never fails because of a price. The cost of the response's model is looked up first (the model that
answered), then the requested model only if the response names none.

The prices file (JSON; amounts per million tokens, as genai-prices writes them; the cache rates
default to the input rate):

```json
{"currency": "USD",
 "models": {"my-llama": {"input_mtok": 0.2, "output_mtok": 0.6,
                         "cache_read_mtok": 0.02, "cache_write_mtok": 0.25}}}
```
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from .exceptions import UserError

__all__ = [
    "PRICES_FILE_ENV",
    "SCRIPTED_PRICE",
    "Cost",
    "Price",
    "PricesFileError",
    "Tokens",
    "add_price",
    "clear_prices",
    "cost_of",
    "set_price_hook",
]

logger = logging.getLogger("otel_agents")

PRICES_FILE_ENV = "OTEL_AGENTS_PRICES_FILE"
"""Path of a JSON file of model prices that override or add to genai-prices' data."""

_MILLION = Decimal(1_000_000)
_CURRENCY_LENGTH = 3


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, (int, float)):
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


class PricesFileError(UserError):
    """The prices file named by `OTEL_AGENTS_PRICES_FILE` cannot be used."""


@dataclass(frozen=True)
class Price:
    """A model's price per million tokens of each kind, in `currency` (ISO 4217).

    `cache_read_mtok` and `cache_write_mtok` default to the input rate; reasoning tokens are
    output tokens and cost the output rate.
    """

    input_mtok: Decimal | float
    output_mtok: Decimal | float
    cache_read_mtok: Decimal | float | None = None
    cache_write_mtok: Decimal | float | None = None
    currency: str = "USD"

    def __post_init__(self) -> None:
        for name in ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok"):
            value = getattr(self, name)
            if value is None:
                continue
            amount = _decimal(value)
            if amount is None or amount < 0:
                raise ValueError(f"Price.{name} must be a number >= 0, not {value!r}")
            object.__setattr__(self, name, amount)
        currency = self.currency
        if not (
            isinstance(currency, str) and len(currency) == _CURRENCY_LENGTH and currency.isalpha()
        ):
            raise ValueError(
                f"Price.currency must be an ISO 4217 code like 'USD', not {currency!r}"
            )
        object.__setattr__(self, "currency", currency.upper())


@dataclass(frozen=True)
class Tokens:
    """One call's tokens: `input` counts cache reads and writes, `output` counts reasoning."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0

    @classmethod
    def from_usage(cls, usage: Mapping[str, Any]) -> Tokens:
        """From a usage dict with our keys (`GenerationSpanData.usage`)."""

        def count(key: str) -> int:
            value = usage.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        return cls(
            count("input_tokens"),
            count("output_tokens"),
            count("cached_input_tokens"),
            count("cache_write_tokens"),
            count("reasoning_tokens"),
        )


@dataclass(frozen=True)
class Cost:
    """What one call cost: `amount` in `currency`, computed here (`source` "local")."""

    amount: float
    currency: str
    source: str = "local"


PriceHook = Callable[[str, "str | None"], "Price | None"]

SCRIPTED_PRICE = Price(
    input_mtok=Decimal("1.00"),
    output_mtok=Decimal("4.00"),
    cache_read_mtok=Decimal("0.10"),
    cache_write_mtok=Decimal("1.25"),
)
"""The declared (fictional) price of `ScriptedModel` calls (provider `scripted`): the demo's."""
_SCRIPTED_PROVIDER = "scripted"

# gen_ai.provider.name values -> genai-prices provider ids, where they differ.
_PROVIDER_IDS = {
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "x_ai": "x-ai",
    "mistral_ai": "mistral",
    "moonshot_ai": "moonshotai",
    "aws.bedrock": "aws",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
}

_lock = threading.Lock()
_hook: PriceHook | None = None
_declared: dict[str, Price] = {}
_file: dict[str, Price] | None = None  # None: not read yet
_logged: set[tuple[str | None, str]] = set()


def set_price_hook(hook: PriceHook | None) -> None:
    """Asks `hook(model, provider)` first for every call's price; it returns a `Price` to use, or
    None to fall through to declared prices and genai-prices. None removes the hook. An exception
    in the hook counts as None (and is logged once per model)."""
    global _hook
    _hook = hook
    _cost_cache.clear()


def add_price(model: str, price: Price) -> None:
    """Declares `model`'s price (matched exactly, case-insensitively); it wins over the file and
    over genai-prices."""
    if not isinstance(price, Price):
        raise TypeError(f"add_price({model!r}, ...) takes a Price, not {type(price).__name__}")
    with _lock:
        _declared[model.lower()] = price
    _cost_cache.clear()


def clear_prices() -> None:
    """Forgets the hook, declared prices and the file read so far (it is read again on next use)."""
    global _hook, _file
    with _lock:
        _hook = None
        _declared.clear()
        _file = None
        _logged.clear()
    _cost_cache.clear()


def cost_of(
    tokens: Tokens,
    model: str | None,
    provider: str | None = None,
    response_model: str | None = None,
) -> Cost | None:
    """The cost of one call, or None when no price is known (logged once per model) or it failed."""
    name = response_model or model
    if not name:
        return None
    key = (tokens, name, provider)
    cached = _cost_cache.get(key)
    if cached is not None or key in _cost_cache:
        return cached
    cost = _compute(tokens, name, model, provider)
    if len(_cost_cache) >= _CACHE_SIZE:
        _cost_cache.clear()
    _cost_cache[key] = cost
    return cost


# Runs repeat the same token counts (and genai-prices takes ~0.2 ms a call): keep recent answers.
_CACHE_SIZE = 1024
_cost_cache: dict[tuple[Tokens, str, str | None], Cost | None] = {}


def _compute(tokens: Tokens, name: str, requested: str | None, provider: str | None) -> Cost | None:
    price = _app_price(name, provider)
    if price is None and requested and requested != name:
        price = _app_price(requested, provider)
    if price is not None:
        return _linear(price, tokens, name)
    if provider == _SCRIPTED_PROVIDER:
        return _linear(SCRIPTED_PRICE, tokens, name)
    try:
        amount = _library_cost(tokens, name, _PROVIDER_IDS.get(provider or "", provider))
    except ImportError:
        _once(provider, name, "genai-prices is not installed (it needs Python 3.11+)")
        return None
    except LookupError:
        _once(provider, name, "genai-prices has no price for it")
        return None
    except Exception as error:  # a bad usage or a library bug must not break the run
        _once(provider, name, f"pricing failed ({type(error).__name__}: {error})")
        return None
    return Cost(float(amount), "USD")


def _app_price(model: str, provider: str | None) -> Price | None:
    hook = _hook
    if hook is not None:
        try:
            price = hook(model, provider)
        except Exception as error:
            _once(provider, model, f"the price hook raised {type(error).__name__}: {error}")
            price = None
        if isinstance(price, Price):
            return price
    key = model.lower()
    found = _declared.get(key)
    if found is None:
        found = _file_prices().get(key)
    return found


def _linear(price: Price, tokens: Tokens, name: str) -> Cost | None:
    plain = tokens.input - tokens.cache_read - tokens.cache_write
    if plain < 0:
        logger.debug("otel-agents: no cost for %r: cached tokens exceed input tokens", name)
        return None  # the server's counts are inconsistent: no price can be trusted with them
    rate_in = Decimal(price.input_mtok)
    read = Decimal(price.cache_read_mtok) if price.cache_read_mtok is not None else rate_in
    write = Decimal(price.cache_write_mtok) if price.cache_write_mtok is not None else rate_in
    total = (
        plain * rate_in
        + tokens.cache_read * read
        + tokens.cache_write * write
        + tokens.output * Decimal(price.output_mtok)
    ) / _MILLION
    return Cost(float(total), price.currency)


@lru_cache(maxsize=1)
def _library() -> Any:
    # Imported on first use (about 1 s): a run that never prices a library model never pays it.
    import genai_prices

    return genai_prices


def _library_cost(tokens: Tokens, model: str, provider_id: str | None) -> Decimal:
    lib = _library()
    usage = lib.Usage(
        input_tokens=tokens.input,
        output_tokens=tokens.output,
        cache_read_tokens=tokens.cache_read,
        cache_write_tokens=tokens.cache_write,
    )
    result = lib.calc_price(usage, model, provider_id=provider_id)
    return Decimal(result.total_price)


def _file_prices() -> dict[str, Price]:
    global _file
    prices = _file
    if prices is not None:
        return prices
    with _lock:
        if _file is None:
            try:
                _file = read_prices_file(os.environ.get(PRICES_FILE_ENV, ""))
            except PricesFileError as error:
                logger.error("%s", error)
                _file = {}
        return _file


def read_prices_file(path: str) -> dict[str, Price]:
    """The prices of the file at `path` by lower-cased model name ("" : none).

    Raises:
        PricesFileError: naming the variable, the file and what to fix.
    """
    if not path.strip():
        return {}

    def bad(problem: str) -> PricesFileError:
        return PricesFileError(
            f"{PRICES_FILE_ENV}={path!r}: {problem}. Fix the file (JSON: "
            '{"currency": "USD", "models": {"<model>": {"input_mtok": 0.2, "output_mtok": 0.6}}}, '
            "amounts per million tokens) or unset the variable; no prices from it are used."
        )

    try:
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
    except OSError as error:
        raise bad(f"cannot be read ({error.strerror or error})") from None
    except ValueError as error:
        raise bad(f"is not valid JSON ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), dict):
        raise bad('it needs a "models" object')
    currency = raw.get("currency", "USD")
    prices: dict[str, Price] = {}
    for model, fields in raw["models"].items():
        if not isinstance(fields, dict):
            raise bad(f"model {model!r} needs an object of prices")
        unknown = set(fields) - {
            "input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "currency",
        }  # fmt: skip
        if unknown:
            raise bad(f"model {model!r} has unknown keys {sorted(unknown)}")
        try:
            prices[str(model).lower()] = Price(
                input_mtok=fields["input_mtok"],
                output_mtok=fields["output_mtok"],
                cache_read_mtok=fields.get("cache_read_mtok"),
                cache_write_mtok=fields.get("cache_write_mtok"),
                currency=str(fields.get("currency", currency)),
            )
        except KeyError as error:
            raise bad(f"model {model!r} needs {error.args[0]!r}") from None
        except ValueError as error:
            raise bad(f"model {model!r}: {error}") from None
    return prices


def _once(provider: str | None, model: str, why: str) -> None:
    key = (provider, model)
    if key in _logged:
        return
    _logged.add(key)
    logger.warning(
        "otel-agents: no cost for model %r (provider %r): %s. Declare its price in the file "
        "named by %s or with otel_agents.pricing.add_price().",
        model,
        provider,
        why,
        PRICES_FILE_ENV,
    )
