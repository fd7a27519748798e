"""Processes the live deploy tests start: the workload, a real Prometheus; and polling helpers.

Everything listens on 127.0.0.1 on ports the OS hands out, and every wait is a poll with a
deadline (no sleeps). Each process is ended by its own handle, never by name.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

WORKLOAD = Path(__file__).with_name("_workload.py")
T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def poll(what: str, probe: Callable[[], T | None], deadline: float, every: float = 0.2) -> T:
    """Calls `probe` until it returns something other than None; fails after `deadline` s."""
    end = time.monotonic() + deadline
    last_error: Exception | None = None
    while True:
        try:
            value = probe()
            if value is not None:
                return value
        except (OSError, ValueError) as error:  # not up yet, or a half-written answer
            last_error = error
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline} s waiting for {what} ({last_error})")
        # Paces the poll loop; the wait itself is bounded by the deadline above.
        threading.Event().wait(every)


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_json(url: str, params: Mapping[str, str] | None = None) -> Any:
    if params:
        url = f"{url}?{urllib.parse.urlencode(params)}"
    status, body = http_get(url)
    if status != 200:
        raise ValueError(f"{url}: HTTP {status}: {body[:300]!r}")
    return json.loads(body)


class Workload:
    """`_workload.py` in its own process, driven line by line over stdin."""

    def __init__(self, env: Mapping[str, str]) -> None:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        full_env.update(env)
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKLOAD)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._pump_stderr, daemon=True).start()
        self._expect("ready", 60)

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.strip())
        self._lines.put(None)

    def _pump_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line)

    def _expect(self, word: str, deadline: float) -> None:
        try:
            line = self._lines.get(timeout=deadline)
        except queue.Empty:
            raise AssertionError(f"workload did not say {word!r} within {deadline} s") from None
        if line != word:
            raise AssertionError(f"workload said {line!r}, not {word!r}:\n{self.stderr}")

    @property
    def stderr(self) -> str:
        return "".join(self._stderr[-50:])

    def run_round(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        self._expect("done", 120)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write("exit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=10)


class Prometheus:
    """Debian's `prometheus` binary on a free loopback port, scraping `targets` every second."""

    def __init__(self, binary: str, workdir: Path, targets: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [
                {"job_name": "otel-agents", "static_configs": [{"targets": targets}]}
            ],
        }
        config_path = workdir / "prometheus.yaml"
        config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.log = workdir / "prometheus.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config_path}",
                    f"--storage.tsdb.path={workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        poll("Prometheus /-/ready", self._ready, deadline=60)

    def _ready(self) -> bool | None:
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited:\n{self.log.read_text()[-2000:]}")
        status, _ = http_get(f"{self.url}/-/ready", timeout=2)
        return True if status == 200 else None

    def query(self, expr: str) -> list[dict[str, Any]]:
        answer = http_json(f"{self.url}/api/v1/query", {"query": expr})
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

    def label_values(self, label: str, match: str) -> list[str]:
        answer = http_json(f"{self.url}/api/v1/label/{label}/values", {"match[]": match})
        values: list[str] = answer["data"]
        return values

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
