"""A real Celery prefork worker on a real Redis (Debian's `redis-server`, started here on a free
port) runs agent tasks under load, then gets SIGTERM (its warm shutdown): every task's run is
delivered exactly once, and the counters and histograms of its pool processes add up. When the
main process ran an agent before forking its pool, that run is reported by it alone.

The tasks module is the README's own snippet (the `worker_process_shutdown` hook with
`flush_traces()`), written to a file as a user would; nothing is exported before the shutdown
(batch and metric intervals of 10 minutes), so whatever arrives was delivered by it. A real
OTLP receiver.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _servers import free_port, readme_block, totals

from support.otlp_receiver import OTLPReceiver

celery = pytest.importorskip("celery")
pytest.importorskip("redis")

pytestmark = pytest.mark.integration
HERE = Path(__file__).parent
HOOK = "flush_traces()  # this pool process is ending"
CONCURRENCY = 2
TASKS = 300
DURATION = "gen_ai.client.operation.duration"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A real Redis on a free port, no persistence; stopped afterwards."""
    server_path = shutil.which("redis-server")
    if server_path is None:
        pytest.skip("no redis-server: `make test-integration` installs Debian's (setup.sh)")
    port = free_port()
    server = subprocess.Popen(
        [server_path, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "Ready to accept connections" in line:
                break
        else:
            pytest.fail(f"redis-server ended with status {server.wait()}")
        threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the pipe drained
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


@pytest.mark.parametrize("warm", [0, 1], ids=["cold", "main-process-ran-first"])
def test_celery_prefork_worker_delivers_every_task_run_once_and_counters_add_up(
    otlp_receiver: OTLPReceiver, tmp_path: Path, redis_url: str, warm: int
) -> None:
    (tmp_path / "tasks.py").write_text(readme_block(HOOK))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp_receiver.http_endpoint,
        OTEL_BSP_SCHEDULE_DELAY="600000",  # nothing leaves before the shutdown
        OTEL_METRIC_EXPORT_INTERVAL="600000",
        OTEL_LOGS_EXPORTER="none",
        CELERY_BROKER_URL=redis_url,
        CELERY_RESULT_BACKEND=redis_url,  # so that the test knows which tasks ran
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(HERE)]),
    )
    module = "celery_warm_tasks" if warm else "tasks"
    command = [sys.executable, "-m", "celery", "-A", module, "worker", "--pool", "prefork"]
    command += ["--concurrency", str(CONCURRENCY), "--loglevel", "INFO", "--without-heartbeat"]
    command += ["--without-gossip", "--without-mingle"]
    worker = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    client = celery.Celery("client", broker=redis_url, backend=redis_url)
    try:
        assert worker.stdout is not None
        for line in worker.stdout:  # wait until it consumes
            log.append(line)
            if " ready." in line:
                break
        else:
            pytest.fail("".join(log))
        rest = threading.Thread(target=lambda: log.extend(worker.stdout or ()), daemon=True)
        rest.start()
        results = [client.send_task("tasks.ask", args=[f"question {n}"]) for n in range(TASKS)]
        deadline = time.monotonic() + 120
        while sum(r.ready() for r in results) < TASKS // 3:  # load: the rest still queued
            assert time.monotonic() < deadline, "the worker did not run a third of the tasks"
            threading.Event().wait(0.1)
        worker.send_signal(signal.SIGTERM)  # warm shutdown: running tasks finish
        worker.wait(60)
        rest.join(5)
        done = sum(r.successful() for r in results)  # ran to the end, result stored
    finally:
        if worker.poll() is None:
            worker.kill()
        client.close()
    assert worker.returncode == 0, "".join(log)
    assert "Traceback" not in "".join(log)
    assert TASKS // 3 <= done <= TASKS, f"{done} of {TASKS} tasks ran"
    spans = otlp_receiver.wait_for_spans(
        lambda s: sum(x.name.startswith("invoke_agent") for x in s) >= done + warm, timeout=10
    )
    agents = [s for s in spans if s.name.startswith("invoke_agent")]
    chats = [s for s in spans if s.name.startswith("chat")]
    # Exactly once: one trace per task that ran (and the main process's own run), none twice.
    assert len({s.trace_id for s in agents}) == len(agents) == len(chats) == done + warm
    assert sum(s.name == "invoke_agent Warm-up" for s in agents) == warm
    # Counted once, by the process that ran it: the main process's run is not counted again by
    # the pool processes that inherited its state.
    points = otlp_receiver.wait_for_points(
        lambda ps: sum(totals(ps, "otel_agents.runs", "gen_ai.agent.name").values()) >= done + warm
    )
    runs = totals(points, "otel_agents.runs", "gen_ai.agent.name")
    assert runs == ({"Helper": done, "Warm-up": 1} if warm else {"Helper": done})
    assert totals(points, DURATION, "gen_ai.operation.name") == {"chat": done + warm}
    helpers = {
        p.start_ns
        for p in points
        if p.metric == "otel_agents.runs" and p.attributes.get("gen_ai.agent.name") == "Helper"
    }
    assert len(helpers) == CONCURRENCY  # each pool process reported its own runs
