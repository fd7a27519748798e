"""Our agent runs viewed in a real third-party backend: Arize Phoenix, over real OTLP/HTTP.

Opt-in (marked `phoenix` and `integration`): Phoenix lives in its own virtualenv, installed once by
`bash tests/integration/phoenix_setup.sh` (~1 min, ~850 MB); without it these tests skip.

A module fixture starts `phoenix.server.main serve` on free loopback ports and waits for
`/healthz`. A user script with no OpenTelemetry code (`USER_SCRIPT`) then runs a streamed
triage -> support run (input guardrail, handoff, a tool, a failing tool) on `ScriptedModel` in a
subprocess whose only telemetry configuration is OTEL_* variables: that is the "switched on by
environment alone" path, and a subprocess because it installs process-wide providers. The spans
are read back from Phoenix's REST API, and the tests check what Phoenix made of them: the span
kinds it infers from `gen_ai.operation.name` (AGENT, LLM, TOOL), the token counts it takes from
`gen_ai.usage.*` (`llm.token_count.*`), the parent links, the error status of the failing tool,
and that no prompt, instruction or tool data reached it (content capture is off by default).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PHOENIX_PYTHON = ROOT / ".cache" / "phoenix-venv" / "bin" / "python"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.phoenix,
    pytest.mark.skipif(
        not PHOENIX_PYTHON.exists(),
        reason=f"Arize Phoenix is not installed in {PHOENIX_PYTHON.parent.parent}: run "
        "`bash tests/integration/phoenix_setup.sh` once (~1 min, ~850 MB)",
    ),
]

STARTUP_DEADLINE = 60.0  # healthy after 10-12 s here; generous for a loaded CI machine
SCRIPT_DEADLINE = 60.0
SPANS_DEADLINE = 20.0  # Phoenix inserts received spans in the background

WORKFLOW = "phoenix_check"
GROUP_ID = "conv_phoenix_1"
# Markers in every piece of content the run handles; none may reach Phoenix.
SECRET = "SECRET-7f3a"

# The user's script: otel_agents only, no OpenTelemetry code. Prints one JSON line.
USER_SCRIPT = f'''
import asyncio, json
from otel_agents import (Agent, GuardrailFunctionOutput, RawResponsesStreamEvent, Runner,
                         function_tool, input_guardrail, trace)
from otel_agents.models import ScriptedModel, call_tool, say, transfer_to, turn


@function_tool
def lookup_order(order_id: str) -> str:
    """Look up an order.

    Args:
        order_id: The order id.
    """
    return "shipped {SECRET}-result"


@function_tool
def refund(order_id: str) -> str:
    """Refund an order.

    Args:
        order_id: The order id.
    """
    raise ValueError("backend refused {SECRET}-error")


@input_guardrail(name="no_profanity")
def no_profanity(ctx, agent, data):
    return GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)


support = Agent(
    name="Support",
    instructions="You are support. {SECRET}-instructions",
    tools=[lookup_order, refund],
    model=ScriptedModel(
        [
            turn(
                call_tool("lookup_order", {{"order_id": "{SECRET}-arg"}}, call_id="call_lookup"),
                call_tool("refund", {{"order_id": "{SECRET}-arg"}}, call_id="call_refund"),
            ),
            say("Your order has shipped.", input_tokens=40, output_tokens=6),
        ],
        model_name="support-model",
    ),
)
triage = Agent(
    name="Triage",
    instructions="Route the user.",
    handoffs=[support],
    input_guardrails=[no_profanity],
    model=ScriptedModel([transfer_to("Support")], model_name="triage-model"),
)


async def main():
    with trace("{WORKFLOW}", group_id="{GROUP_ID}") as current:
        result = Runner.run_streamed(triage, input="where is my order? {SECRET}-prompt")
        raw = 0
        async for event in result.stream_events():
            raw += isinstance(event, RawResponsesStreamEvent)
    print(json.dumps({{"trace_id": current.trace_id, "final_output": result.final_output,
                      "raw_events": raw}}))


asyncio.run(main())
'''


@dataclass
class Phoenix:
    """A running Phoenix server."""

    base_url: str
    log: Path


@dataclass
class Run:
    """What the user script reported and the spans Phoenix returned for its project."""

    trace_id: str
    final_output: str
    raw_events: int
    spans: list[dict[str, Any]]
    body: str  # Phoenix's raw JSON answer

    def named(self, name: str) -> dict[str, Any]:
        matches = [s for s in self.spans if s["name"] == name]
        assert len(matches) == 1, f"{len(matches)} spans named {name!r}: {self.names()}"
        return matches[0]

    def where(self, attribute: str, value: Any) -> dict[str, Any]:
        matches = [s for s in self.spans if s["attributes"].get(attribute) == value]
        assert len(matches) == 1, f"{len(matches)} spans with {attribute}={value!r}"
        return matches[0]

    def names(self) -> list[str]:
        return sorted(s["name"] for s in self.spans)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)


def _poll(check: Callable[[], Any], deadline: float, interval: float = 0.1) -> Any:
    """Calls `check` until it returns something truthy or `deadline` (monotonic) passes."""
    while True:
        result = check()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)  # the poll interval, not a wait for something to be ready


def _clean_env() -> dict[str, str]:
    """The caller's environment without OTEL_*/PHOENIX_* settings that would change the test."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PHOENIX_", "OTLP_"))}


def _tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Phoenix]:
    """A Phoenix server on free loopback ports with a throwaway working directory."""
    workdir = tmp_path_factory.mktemp("phoenix")
    port = _free_port("127.0.0.1")
    env = _clean_env() | {
        "PHOENIX_WORKING_DIR": str(workdir),
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        # Phoenix binds its gRPC port on every interface: pick one free there.
        "PHOENIX_GRPC_PORT": str(_free_port("0.0.0.0")),
        "PHOENIX_TELEMETRY_ENABLED": "false",
    }
    log = workdir / "phoenix.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(PHOENIX_PYTHON), "-m", "phoenix.server.main", "serve"],
            env=env,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        healthy = _poll(
            lambda: process.poll() is not None or _get(f"{base_url}/healthz")[0] == 200, deadline
        )
        if process.poll() is not None or not healthy:
            pytest.fail(
                f"Phoenix did not become healthy within {STARTUP_DEADLINE:.0f} s (exit code "
                f"{process.poll()}); its log ends:\n{_tail(log)}"
            )
        yield Phoenix(base_url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _complete(spans: list[dict[str, Any]]) -> bool:
    """Whether every span the run makes has been stored (Phoenix inserts in the background)."""
    want = Counter(
        {
            f"invoke_workflow {WORKFLOW}": 1,
            "invoke_agent Triage": 1,
            "invoke_agent Support": 1,
            "chat triage-model": 1,
            "chat support-model": 2,
            "execute_tool lookup_order": 1,
            "execute_tool refund": 1,
        }
    )
    have = Counter(s["name"] for s in spans)
    guardrails = [s for s in spans if "gen_ai.guardrail.component.name" in s["attributes"]]
    handoffs = [s for s in spans if "otel_agents.handoff.to_agent" in s["attributes"]]
    return have >= want and bool(guardrails) and bool(handoffs)


@pytest.fixture(scope="module")
def run(phoenix: Phoenix, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The user script run once against Phoenix, and the spans Phoenix stored for it."""
    project = f"otel-agents-{uuid.uuid4().hex[:12]}"
    workdir = tmp_path_factory.mktemp("user_script")
    script = workdir / "app.py"
    script.write_text(USER_SCRIPT)
    env = _clean_env() | {
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{phoenix.base_url}/v1/traces",
        "OTEL_SERVICE_NAME": "otel-agents-phoenix-test",
        "OTEL_METRICS_EXPORTER": "none",  # Phoenix has no metrics endpoint (405)
        "OTEL_LOGS_EXPORTER": "none",  # nor a logs one
        "OTEL_RESOURCE_ATTRIBUTES": f"openinference.project.name={project}",
    }
    done = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=SCRIPT_DEADLINE,
    )
    assert done.returncode == 0, f"the user script failed:\n{done.stdout}\n{done.stderr}"
    report = json.loads(done.stdout.strip().splitlines()[-1])

    url = f"{phoenix.base_url}/v1/projects/{project}/spans?limit=100"
    last: list[tuple[int, str]] = [(0, "")]

    def fetch() -> list[dict[str, Any]] | None:
        status, body = _get(url)
        last[0] = (status, body)
        if status != 200:  # 404 until the first span of the project is stored
            return None
        spans: list[dict[str, Any]] = json.loads(body)["data"]
        return spans if _complete(spans) else None

    spans = _poll(fetch, time.monotonic() + SPANS_DEADLINE)
    if not spans:
        status, body = last[0]
        pytest.fail(
            f"Phoenix did not store the run's spans within {SPANS_DEADLINE:.0f} s: last answer "
            f"{status} {body[:3000]}\nuser script stderr:\n{done.stderr[-3000:]}\n"
            f"Phoenix log ends:\n{_tail(phoenix.log)}"
        )
    return Run(
        trace_id=report["trace_id"],
        final_output=report["final_output"],
        raw_events=report["raw_events"],
        spans=spans,
        body=last[0][1],
    )


def test_the_run_streamed_and_finished(run: Run) -> None:
    assert run.final_output == "Your order has shipped."
    assert run.raw_events > 0


@pytest.mark.parametrize("agent", ["Triage", "Support"], ids=["triage", "support"])
def test_agent_spans_are_agent_kind(run: Run, agent: str) -> None:
    span = run.named(f"invoke_agent {agent}")
    assert span["span_kind"] == "AGENT"
    assert span["attributes"]["gen_ai.agent.name"] == agent
    # Phoenix files the run under a session from gen_ai.conversation.id (our trace group id).
    assert span["attributes"]["session.id"] == GROUP_ID


@pytest.mark.parametrize(
    ("model", "index", "input_tokens", "output_tokens"),
    [
        ("triage-model", 0, None, None),  # counted by ScriptedModel
        ("support-model", 1, 40, 6),  # scripted counts on the final answer
    ],
    ids=["triage-chat", "support-final-chat"],
)
def test_chat_spans_are_llm_kind_with_token_counts(
    run: Run, model: str, index: int, input_tokens: int | None, output_tokens: int | None
) -> None:
    chats = sorted(
        (s for s in run.spans if s["name"] == f"chat {model}"), key=lambda s: s["start_time"]
    )
    span = chats[-1] if index else chats[0]
    attributes = span["attributes"]
    assert span["span_kind"] == "LLM"
    assert attributes["llm.model_name"] == model
    # Phoenix's own token fields, derived from our gen_ai.usage.* (we emit no llm.* attributes).
    prompt = attributes["gen_ai.usage.input_tokens"]
    completion = attributes["gen_ai.usage.output_tokens"]
    assert prompt > 0 and completion > 0
    assert attributes["llm.token_count.prompt"] == prompt
    assert attributes["llm.token_count.completion"] == completion
    assert attributes["llm.token_count.total"] == prompt + completion
    if input_tokens is not None:
        assert (prompt, completion) == (input_tokens, output_tokens)


@pytest.mark.parametrize(
    ("tool", "call_id", "status"),
    [("lookup_order", "call_lookup", "UNSET"), ("refund", "call_refund", "ERROR")],
    ids=["working-tool", "failing-tool"],
)
def test_tool_spans_are_tool_kind(run: Run, tool: str, call_id: str, status: str) -> None:
    span = run.named(f"execute_tool {tool}")
    assert span["span_kind"] == "TOOL"
    assert span["attributes"]["tool.name"] == tool
    assert span["attributes"]["tool.id"] == call_id
    assert span["status_code"] == status


def test_failing_tool_has_error_status_and_exception_event(run: Run) -> None:
    span = run.named("execute_tool refund")
    assert span["status_code"] == "ERROR"
    assert span["attributes"]["error.type"] == "ValueError"
    assert [e["attributes"]["exception.type"] for e in span["events"]] == ["ValueError"]


def test_tree_is_intact(run: Run) -> None:
    by_id = {s["context"]["span_id"]: s for s in run.spans}
    # One trace, and its id is the one the script's trace() reported ("trace_" + 32 hex).
    assert {s["context"]["trace_id"] for s in run.spans} == {run.trace_id.removeprefix("trace_")}
    roots = [s for s in run.spans if s["parent_id"] is None]
    assert [r["name"] for r in roots] == [f"invoke_workflow {WORKFLOW}"]
    dangling = [s["name"] for s in run.spans if s["parent_id"] and s["parent_id"] not in by_id]
    assert dangling == []

    def parent(span: dict[str, Any]) -> str:
        return str(by_id[span["parent_id"]]["name"])

    root = f"invoke_workflow {WORKFLOW}"
    assert parent(run.named("invoke_agent Triage")) == root
    assert parent(run.named("invoke_agent Support")) == root
    assert parent(run.named("chat triage-model")) == "invoke_agent Triage"
    assert parent(run.where("gen_ai.guardrail.component.name", "no_profanity")) == (
        "invoke_agent Triage"
    )
    assert parent(run.where("otel_agents.handoff.to_agent", "Support")) == "invoke_agent Triage"
    for name in ("execute_tool lookup_order", "execute_tool refund"):
        assert parent(run.named(name)) == "invoke_agent Support"
    support_chats = [s for s in run.spans if s["name"] == "chat support-model"]
    assert [parent(s) for s in support_chats] == ["invoke_agent Support"] * 2


def test_no_content_reaches_phoenix_by_default(run: Run) -> None:
    # Prompt, instructions, tool arguments, results and error text all carry SECRET.
    assert SECRET not in run.body
