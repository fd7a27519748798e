"""Many event loops in one process, as `Runner.run_sync` and repeated `asyncio.run` make them,
against the local OpenAI-compatible HTTP server with the real openai client: the connections of a
finished loop are closed, so nothing is logged ("Task exception was never retrieved", "Event loop
is closed") and a user's own client keeps working from one loop to the next. Each case runs
`loops_script.py` in a fresh interpreter, as a user's script runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow  # child processes running many loops

SCRIPT = Path(__file__).with_name("loops_script.py")


def run_script(server: FakeOpenAI, mode: str, runs: int) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_"))}
    env.update(server.env(), OTEL_AGENTS_TRACING_DISABLED="true")
    return subprocess.run(
        [sys.executable, str(SCRIPT), mode, str(runs), server.base_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("mode", ["run_sync", "asyncio_run", "user_client"])
def test_each_loop_closes_its_connections_and_a_user_client_works_across_loops(
    fake_openai: FakeOpenAI, mode: str
) -> None:
    runs = 40
    fake_openai.script(["reply"] * runs)
    done = run_script(fake_openai, mode, runs)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "reply"
    assert done.stderr == ""  # no "Task exception was never retrieved", no "Event loop is closed"
    assert len(fake_openai.requests) == runs


@pytest.mark.slow
def test_a_thousand_run_sync_calls_log_nothing(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(["reply"] * 1000)
    done = run_script(fake_openai, "run_sync", 1000)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert len(fake_openai.requests) == 1000


def test_a_user_client_that_cannot_move_between_loops_gets_a_clear_error(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.script(["reply"] * 2)
    done = run_script(fake_openai, "custom_transport", 2)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("otel_agents.exceptions.UserError: This openai client")
    assert "create the client inside the loop that uses it" in last
    assert "Event loop is closed" not in done.stderr
    assert len(fake_openai.requests) == 1
