"""Token and request accounting for a run: one `Usage` per model response, summed per run.

The shape is the OpenAI Agents SDK's: token details as the Responses API's
`InputTokensDetails` / `OutputTokensDetails`, and one `RequestUsage` entry per model call so
per-request cost stays computable after the totals are summed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails


def _input_details(cached_tokens: int = 0, cache_write_tokens: int = 0) -> InputTokensDetails:
    # Both fields given: openai releases differ in which are required (extra ones are allowed).
    # Not model_construct: openai's override of it costs ten times a validation.
    return InputTokensDetails(cached_tokens=cached_tokens, cache_write_tokens=cache_write_tokens)


def _output_details(reasoning_tokens: int = 0) -> OutputTokensDetails:
    return OutputTokensDetails(reasoning_tokens=reasoning_tokens)


def _cached(details: Any) -> int:
    return int(getattr(details, "cached_tokens", 0) or 0)


def _cache_write(details: Any) -> int:
    return int(getattr(details, "cache_write_tokens", 0) or 0)


def _reasoning(details: Any) -> int:
    return int(getattr(details, "reasoning_tokens", 0) or 0)


@dataclass
class RequestUsage:
    """The tokens of one model call (an entry of `Usage.request_usage_entries`)."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_tokens_details: InputTokensDetails
    output_tokens_details: OutputTokensDetails


@dataclass
class Usage:
    """Tokens and requests, as reported by the model server.

    Attributes:
        requests: Number of model calls.
        input_tokens: Prompt tokens, cached ones included.
        input_tokens_details: `cached_tokens` (served from the prompt cache), `cache_write_tokens`.
        output_tokens: Completion tokens, reasoning ones included.
        output_tokens_details: `reasoning_tokens` (hidden reasoning).
        total_tokens: Input plus output tokens.
        request_usage_entries: One entry per model call that reported tokens (its details are
            the response usage's own objects, not copies: detail objects are never changed in
            place).
    """

    requests: int = 0
    input_tokens: int = 0
    input_tokens_details: InputTokensDetails = None  # type: ignore[assignment]
    output_tokens: int = 0
    output_tokens_details: OutputTokensDetails = None  # type: ignore[assignment]
    total_tokens: int = 0
    request_usage_entries: list[RequestUsage] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Providers leave detail fields out or null; downstream sums must never see None.
        details: Any = self.input_tokens_details
        if details is None or details.cached_tokens is None:
            self.input_tokens_details = _input_details(_cached(details), _cache_write(details))
        out: Any = self.output_tokens_details
        if out is None or out.reasoning_tokens is None:
            self.output_tokens_details = _output_details(_reasoning(out))

    @property
    def cached_input_tokens(self) -> int:
        """Input tokens served from the provider's prompt cache."""
        return _cached(self.input_tokens_details)

    @cached_input_tokens.setter
    def cached_input_tokens(self, value: int) -> None:
        if value == self.cached_input_tokens:
            return
        self.input_tokens_details = _input_details(value, _cache_write(self.input_tokens_details))

    @property
    def cache_write_tokens(self) -> int:
        """Input tokens written to the provider's prompt cache (billed at their own rate)."""
        return _cache_write(self.input_tokens_details)

    @cache_write_tokens.setter
    def cache_write_tokens(self, value: int) -> None:
        if value == self.cache_write_tokens:
            return
        self.input_tokens_details = _input_details(self.cached_input_tokens, value)

    @property
    def reasoning_tokens(self) -> int:
        """Output tokens spent on hidden reasoning."""
        return _reasoning(self.output_tokens_details)

    @reasoning_tokens.setter
    def reasoning_tokens(self, value: int) -> None:
        if value == self.reasoning_tokens:
            return
        self.output_tokens_details = _output_details(value)

    def add(self, other: Usage) -> None:
        """Adds another usage into this one, in place, keeping its per-request entries.

        A usage of exactly one request with tokens becomes one new entry of
        `request_usage_entries`; a usage that already has entries contributes those.
        """
        self.requests += other.requests or 0
        self.input_tokens += other.input_tokens or 0
        self.output_tokens += other.output_tokens or 0
        self.total_tokens += other.total_tokens or 0
        # Detail objects are never changed in place (entries share them), so new ones are made
        # only when a sum changes: most responses report no cached or reasoning tokens.
        theirs = other.input_tokens_details
        cached, cache_write = _cached(theirs), _cache_write(theirs)
        if cached or cache_write:
            mine = self.input_tokens_details
            self.input_tokens_details = _input_details(
                _cached(mine) + cached, _cache_write(mine) + cache_write
            )
        reasoning = _reasoning(other.output_tokens_details)
        if reasoning:
            self.output_tokens_details = _output_details(self.reasoning_tokens + reasoning)
        if other.request_usage_entries:
            self.request_usage_entries.extend(other.request_usage_entries)
        elif other.requests == 1 and (
            other.input_tokens > 0 or other.output_tokens > 0 or other.total_tokens > 0
        ):
            self.request_usage_entries.append(
                RequestUsage(
                    input_tokens=other.input_tokens,
                    output_tokens=other.output_tokens,
                    total_tokens=other.total_tokens,
                    input_tokens_details=other.input_tokens_details,
                    output_tokens_details=other.output_tokens_details,
                )
            )
