"""Helpers shared by the tests of real multi-process servers (uvicorn, gunicorn, Celery): the
README's snippets, free ports, load ended by SIGTERM, and metric totals across processes."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from support.otlp_receiver import ReceivedPoint

README = Path(__file__).parents[2] / "README.md"


def readme_block(marker: str) -> str:
    """The README's one python block containing `marker`: what the user is told to write."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    found = [b for b in blocks if marker in b]
    assert len(found) == 1, f"the README shows one python block with {marker!r}"
    return found[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.read().decode()
    except OSError:
        return None  # refused or cut by the shutdown: not an answered request


def load_then_sigterm(
    server: subprocess.Popen[str], url: Callable[[int], str], requests: int, signal_after: int
) -> list[str]:
    """Sends `requests` GETs (`url(n)`) from 16 threads and SIGTERM to `server` after
    `signal_after` answers, requests still in flight; returns the answers once every request has
    ended and the server has exited."""
    answered: list[str] = []
    enough = threading.Event()

    def one(n: int) -> None:
        reply = get(url(n))
        if reply is not None:
            answered.append(reply)
            if len(answered) >= signal_after:
                enough.set()

    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(one, n) for n in range(requests)]
        assert enough.wait(120), f"the server did not answer {signal_after} requests"
        server.send_signal(signal.SIGTERM)
        for future in futures:
            future.result()
    server.wait(60)
    return answered


def totals(points: Iterable[ReceivedPoint], metric: str, key: str) -> dict[str, float]:
    """Per value of attribute `key`: the sum over processes of each process's last cumulative
    value of `metric`; histograms count their points.

    A process may export the same series more than once (cumulative: each export repeats the
    last), and processes share a resource after a fork, so a series is told apart by its start
    time, which is its own in each process.
    """
    last: dict[tuple[object, ...], float] = {}
    for p in points:
        if p.metric == metric:
            series = (tuple(sorted(p.attributes.items())), p.start_ns)
            value = float(p.count if p.kind == "histogram" else p.value or 0)
            last[series] = max(last.get(series, 0.0), value)
    out: dict[str, float] = {}
    for (attributes, _), value in last.items():
        name = str(dict(attributes).get(key))
        out[name] = out.get(name, 0.0) + value
    return out
