"""Token and request accounting for a run: one `Usage` per model response, summed per run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Usage:
    """Tokens and requests, as reported by the model server.

    Attributes:
        requests: Number of model calls.
        input_tokens: Prompt tokens, cached ones included.
        output_tokens: Completion tokens, reasoning ones included.
        total_tokens: Input plus output tokens.
        cached_input_tokens: Input tokens served from the provider's prompt cache.
        reasoning_tokens: Output tokens spent on hidden reasoning.
    """

    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_input_tokens: int = 0
    reasoning_tokens: int = 0

    def add(self, other: Usage) -> None:
        """Adds another usage into this one, in place."""
        self.requests += other.requests
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.total_tokens += other.total_tokens
        self.cached_input_tokens += other.cached_input_tokens
        self.reasoning_tokens += other.reasoning_tokens
