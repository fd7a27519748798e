"""The demo in a real pseudo-terminal (pexpect): text streams before the run ends; Ctrl-C is quiet.

`--chunk-delay` paces the scripted model so the run lasts a few seconds: long enough that the
first words must be on the screen while the process is still running and the trace tree is not.
"""

from __future__ import annotations

import os
import sys

import pexpect

START_TIMEOUT = 30  # the interpreter start and imports, on a slow machine


def spawn(*argv: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "OTEL_"))}
    env["TERM"] = "xterm-256color"
    return pexpect.spawn(
        sys.executable,
        ["-m", "otel_agents", *argv],
        env=env,
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=START_TIMEOUT,
    )


def test_streamed_words_appear_before_the_run_ends_then_the_tree() -> None:
    child = spawn("demo", "--scenario", "flaky", "--chunk-delay", "0.05")
    child.expect_exact("[Using tool: check_inventory]")
    child.expect_exact("The inventory service")
    seen = child.before + child.after + child.buffer
    assert child.isalive()
    assert "[Completed by" not in seen and "Trace Inventory check" not in seen
    child.expect_exact("[Completed by Inventory assistant]")
    child.expect_exact("Trace Inventory check")
    child.expect_exact("ConnectionError: inventory service unavailable")
    child.expect_exact("Telemetry: spans and metrics went nowhere")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_c_exits_130_without_a_traceback() -> None:
    child = spawn("demo", "--chunk-delay", "0.1")
    child.expect_exact("Thanks for reaching out")
    assert child.isalive()
    child.sendintr()
    child.expect(pexpect.EOF)
    rest = child.before
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in rest and "KeyboardInterrupt" not in rest
    assert "Trace Customer support" not in rest
