"""A real gunicorn with uvicorn workers, under load, stopped by SIGTERM to its master: every run
that finished is delivered exactly once, and the counters and histograms of all processes add up
to the runs delivered. With `--preload`, what the master recorded before forking is reported by
the master alone. gunicorn's own workers (sync, gthread) serving a WSGI app need no hook at all.

The ASGI app is the README's own snippet (the lifespan hook with `flush_traces()`), written to a
file as a user would; nothing is exported before the shutdown (batch and metric intervals of 10
minutes), so whatever arrives was delivered by it. A real OTLP receiver.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from _servers import free_port, load_then_sigterm, readme_block, totals

from support.otlp_receiver import OTLPReceiver

pytest.importorskip("gunicorn")
pytest.importorskip("uvicorn_worker")
pytest.importorskip("starlette")

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent
HOOK = "flush_traces()  # the server is stopping"
WORKERS = 2
DURATION = "gen_ai.client.operation.duration"


def serve_under_load_then_sigterm(
    command: list[str], env: dict[str, str], cwd: Path, ready: str
) -> tuple[int, int, str]:
    """Starts gunicorn, waits for `ready` from every worker, sends 600 requests from 16 threads
    and SIGTERM to the master after 150 answers; returns (answered, exit status, its log)."""
    server = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    log: list[str] = []
    answered: list[str] = []
    try:
        assert server.stderr is not None
        started = 0
        for line in server.stderr:  # gunicorn logs to stderr: wait until every worker serves
            log.append(line)
            started += ready in line
            if started == WORKERS:
                break
        assert started == WORKERS, "".join(log)
        rest = threading.Thread(target=lambda: log.extend(server.stderr or ()), daemon=True)
        rest.start()
        port = command[command.index("--bind") + 1].rsplit(":", 1)[1]
        answered = load_then_sigterm(
            server, lambda n: f"http://127.0.0.1:{port}/ask?q=question+{n}", 600, 150
        )
        rest.join(5)
    finally:
        if server.poll() is None:
            server.kill()
    return len(answered), server.returncode, "".join(log)


def check_every_run_once_and_counters_add_up(
    receiver: OTLPReceiver, answered: int, warm: int
) -> None:
    """Every answered request's run arrived once (plus `warm` runs named Warm-up), and the
    counters and histograms of all processes add up to the runs delivered."""
    expected = answered + warm
    spans = receiver.wait_for_spans(
        lambda s: sum(x.name.startswith("invoke_agent") for x in s) >= expected, timeout=10
    )
    agents = [s for s in spans if s.name.startswith("invoke_agent")]
    chats = [s for s in spans if s.name.startswith("chat")]
    # Exactly once: every trace arrived once; requests cut by the shutdown may have finished
    # their run too (then it arrived), so at least the answered ones, at most the ones sent.
    assert len({s.trace_id for s in agents}) == len(agents) == len(chats)
    assert expected <= len(agents) <= 600 + warm
    helpers = sum(s.name == "invoke_agent Helper" for s in agents)
    assert sum(s.name == "invoke_agent Warm-up" for s in agents) == warm
    # A run before the fork is counted by the master only, never again by a worker.
    points = receiver.wait_for_points(
        lambda ps: sum(totals(ps, "otel_agents.runs", "gen_ai.agent.name").values()) >= len(agents)
    )
    runs = totals(points, "otel_agents.runs", "gen_ai.agent.name")
    assert runs == ({"Helper": helpers, "Warm-up": warm} if warm else {"Helper": helpers})
    assert totals(points, DURATION, "gen_ai.operation.name") == {"chat": len(chats)}


def server_env(receiver: OTLPReceiver, *path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.http_endpoint,
        OTEL_BSP_SCHEDULE_DELAY="600000",  # nothing leaves before the shutdown
        OTEL_METRIC_EXPORT_INTERVAL="600000",
        OTEL_LOGS_EXPORTER="none",
        PYTHONPATH=os.pathsep.join(str(p) for p in path),
    )
    return env


@pytest.mark.parametrize("preload", [False, True], ids=["fork-then-import", "preload"])
def test_gunicorn_uvicorn_workers_deliver_every_run_once_and_counters_add_up(
    otlp_receiver: OTLPReceiver, tmp_path: Path, preload: bool
) -> None:
    (tmp_path / "app.py").write_text(readme_block(HOOK))
    app = "gunicorn_preload_app:app" if preload else "app:app"
    command = [sys.executable, "-m", "gunicorn", app]
    command += ["--worker-class", "uvicorn_worker.UvicornWorker", "--workers", str(WORKERS)]
    command += ["--bind", f"127.0.0.1:{free_port()}", "--no-control-socket"]
    command += ["--preload"] if preload else []
    env = server_env(otlp_receiver, tmp_path, HERE)
    answered, status, log = serve_under_load_then_sigterm(
        command, env, tmp_path, "Application startup complete"
    )
    assert status == 0 and "Traceback" not in log, log
    check_every_run_once_and_counters_add_up(otlp_receiver, answered, 1 if preload else 0)


@pytest.mark.parametrize("worker", ["sync", "gthread"])
def test_gunicorn_own_workers_need_no_hook(
    otlp_receiver: OTLPReceiver, tmp_path: Path, worker: str
) -> None:
    command = [sys.executable, "-m", "gunicorn", "gunicorn_wsgi_app:app"]
    command += ["--worker-class", worker, "--workers", str(WORKERS)]
    command += ["--bind", f"127.0.0.1:{free_port()}", "--no-control-socket"]
    env = server_env(otlp_receiver, HERE)
    answered, status, log = serve_under_load_then_sigterm(command, env, tmp_path, "Booting worker")
    assert status == 0 and "Traceback" not in log, log
    check_every_run_once_and_counters_add_up(otlp_receiver, answered, 0)
