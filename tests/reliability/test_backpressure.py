"""A slow stream consumer slows the run: a streamed run queues at most `MAX_QUEUED_EVENTS` events
(plus the items of one step) for its consumer, then waits for it to read, so memory never grows
with the consumer's lag. The model streams over real HTTP (the openai client against the local
server) a reply far longer than the queue.
"""

from __future__ import annotations

import asyncio

import pytest

from otel_agents import Agent, ModelSettings, Runner
from otel_agents.models import OpenAIChatCompletionsModel, OpenAIResponsesModel
from otel_agents.result import MAX_QUEUED_EVENTS
from support.fake_openai import FakeOpenAI

WORDS = 3000
LONG_REPLY = " ".join(f"w{i}" for i in range(WORDS))
MODELS = {"responses": OpenAIResponsesModel, "chat": OpenAIChatCompletionsModel}
BURST = 8  # run items and the agent event are queued between two paced model events


@pytest.mark.slow  # 4-5 s a case: a consumer paced by the event loop
@pytest.mark.parametrize("api", list(MODELS))
async def test_a_slow_consumer_slows_the_run_and_the_queue_stays_bounded(
    fake_openai: FakeOpenAI, api: str
) -> None:
    fake_openai.script([LONG_REPLY])
    client = fake_openai.client()
    # The consumer's lag is not the server's: a short deadline must not fire while it lags.
    settings = ModelSettings(timeout=5, idle_timeout=5)
    agent = Agent(name="Writer", model=MODELS[api]("gpt-test", client), model_settings=settings)
    try:
        result = Runner.run_streamed(agent, "write")
        events = result.stream_events()
        read, most_queued, complete_early = 0, 0, False
        async for _ in events:
            read += 1
            queued = result._queue.qsize()
            most_queued = max(most_queued, queued)
            if read == WORDS // 2:
                # Half-way through, the run must still be waiting for this consumer.
                complete_early = result.is_complete
            for _ in range(50):  # a slow consumer: the loop runs 50 times per event it reads
                await asyncio.sleep(0)
    finally:
        await client.close()
    assert result.final_output == LONG_REPLY
    assert read > WORDS
    assert not complete_early
    assert most_queued <= MAX_QUEUED_EVENTS + BURST, most_queued
