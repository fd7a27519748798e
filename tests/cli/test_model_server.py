"""The model server behind `demo` and `run`: which one the environment configures (one rule for
both commands), and one line with exit code 2 when it refuses connections or never answers.

Each case uses the real openai client against a real socket: a closed port, or a listening socket
that never answers (the kernel completes the connection; nobody reads or writes).
"""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from otel_agents.cli import main
from otel_agents.demo.scenarios import SCENARIOS
from otel_agents.models import set_default_openai_client
from support.fake_openai import API_KEY, FakeOpenAI

from .conftest import Captured

IDLE, DEADLINE = 0.2, 0.4  # seconds: short limits keep each case well under a second
APP = """
from otel_agents import Agent
agent = Agent(name="Plain", instructions="Answer briefly.")
"""
OWN_CLIENT_APP = """
from openai import AsyncOpenAI
from otel_agents import Agent
from otel_agents.models import set_default_openai_client
set_default_openai_client(AsyncOpenAI(api_key="sk-app", base_url="{url}", max_retries=0))
agent = Agent(name="Plain")
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield int(sock.getsockname()[1])


@pytest.fixture
def app(tmp_path: Path) -> Path:
    path = tmp_path / "plain_app.py"
    path.write_text(textwrap.dedent(APP))
    return path


COMMANDS = {
    "demo": ["demo", "--chunk-delay", "0"],
    "demo-no-stream": ["demo", "--no-stream"],
    "demo-runs": ["demo", "--runs", "2"],
    "run": ["run", "{app}", "Hi"],
    "run-no-stream": ["run", "{app}", "Hi", "--no-stream"],
}


@pytest.mark.parametrize("server", ["closed", "silent"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_unreachable_or_silent_model_server_is_one_line_and_exit_code_2(
    server: str,
    command: str,
    app: Path,
    silent_port: int,
    out: Captured,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = silent_port if server == "silent" else _closed_port()
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:pw-secret@127.0.0.1:{port}/v1")
    monkeypatch.setenv("OTEL_AGENTS_MODEL_IDLE_TIMEOUT", str(IDLE))
    monkeypatch.setenv("OTEL_AGENTS_MODEL_TIMEOUT", str(DEADLINE))
    argv = [a.replace("{app}", str(app)) for a in COMMANDS[command]]
    assert main(argv, console=out.console) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: Model server OPENAI_BASE_URL=http://***@127.0.0.1:{port}/v1 ")
    assert err.count("\n") == 1, err
    if server == "closed":
        assert f"cannot be reached: nothing answers at 127.0.0.1:{port} (connection refused)" in err
    elif "--no-stream" in argv:  # no event to wait for: the call's deadline ends it
        assert f"sent nothing for {DEADLINE:g} s (the model call deadline, " in err
        assert "raise OTEL_AGENTS_MODEL_TIMEOUT if it is only slow" in err
    else:
        assert f"sent nothing for {IDLE:g} s (the idle timeout, " in err
        assert "raise OTEL_AGENTS_MODEL_IDLE_TIMEOUT if it is only slow" in err
    assert "start the model server or point OPENAI_BASE_URL at one that runs" in err
    assert ("otel-agents demo --offline" in err) == (argv[0] == "demo")
    everything = err + out.text
    assert "pw-secret" not in everything and "user:" not in everything
    assert "Traceback" not in everything
    assert "[Failed" not in out.text and "\nTrace " not in out.text


def test_a_server_chosen_by_the_apps_own_client_is_named_as_such(
    tmp_path: Path, out: Captured, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    app = tmp_path / "own_client_app.py"
    app.write_text(textwrap.dedent(OWN_CLIENT_APP.format(url=f"http://127.0.0.1:{port}/v1")))
    try:
        assert main(["run", f"{app}:agent", "Hi", "--no-stream"], console=out.console) == 2
    finally:
        set_default_openai_client(None)
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    where = f"127.0.0.1:{port} (the app's own OpenAI client, not OPENAI_BASE_URL)"
    assert f"Model server {where} cannot be reached" in err
    assert "(connection refused). To fix: start that server or fix the base_url" in err


@pytest.mark.parametrize("with_key", [True, False], ids=["api-key", "base-url-only"])
@pytest.mark.parametrize("command", ["demo", "run"])
def test_demo_and_run_use_a_real_model_by_the_same_rule(
    command: str,
    with_key: bool,
    app: Path,
    out: Captured,
    fake_openai: FakeOpenAI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    if with_key:
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    if command == "demo":
        fake_openai.script(SCENARIOS["support"].script())
        argv = ["demo", "--chunk-delay", "0"]
    else:
        fake_openai.script(["Hello from the server."])
        argv = ["run", str(app), "Hi"]
    assert main(argv, console=out.console) == 0
    assert fake_openai.requests, "the scripted model answered instead of the server"
    # A local server needs no key; the client is given a placeholder, never printed.
    expected = API_KEY if with_key else "local"
    assert {r.headers["authorization"] for r in fake_openai.requests} == {f"Bearer {expected}"}
    assert API_KEY not in out.text
    assert "[Completed by" in out.text
