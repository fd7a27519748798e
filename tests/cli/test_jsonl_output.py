"""`--jsonl FILE`: what the command says when the file could not be written."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from otel_agents.cli import main

from .conftest import Captured

FULL = Path("/dev/full")  # every write fails with ENOSPC, as on a full disk


@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full on this system")
def test_a_jsonl_file_on_a_full_disk_is_one_line_with_the_count_lost(
    out: Captured, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    argv = ["demo", "--chunk-delay", "0", "--jsonl", str(FULL)]
    assert main(argv, console=out.console) == 0  # the run succeeded; only the file is lost
    err = capsys.readouterr().err
    lost = re.findall(
        r"✗ (\d+) of (\d+) traces and spans could not be written to /dev/full: No space left on "
        r"device; choose another --jsonl path",
        out.text,
    )
    assert len(lost) == 1, out.text
    dropped, total = map(int, lost[0])
    assert dropped == total and total >= 10  # one trace and its spans, every line lost
    assert "written to /dev/full" not in out.text.replace("could not be written to /dev/full", "")
    # Said once: the writer's own log line is held back, not printed among the conversation.
    assert "/dev/full" not in err and not any("/dev/full" in r.getMessage() for r in caplog.records)
    assert "Traceback" not in out.text + err
    last = out.text.rstrip().splitlines()[-1]
    assert last.startswith("Telemetry: spans and metrics went nowhere")
