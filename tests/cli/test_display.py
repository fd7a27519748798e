"""The stream printer's own rules: words never split across lines, no terminal control codes."""

from __future__ import annotations

import io

from rich.console import Console

from otel_agents.demo.display import StreamPrinter


def printed(*deltas: str, width: int = 20) -> str:
    buffer = io.StringIO()
    printer = StreamPrinter(Console(file=buffer, width=width, color_system=None))
    for delta in deltas:
        printer.text(delta)
    printer.note("Completed by X")
    return buffer.getvalue()


def test_words_wrap_whole_at_the_console_width() -> None:
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    text = printed(*(w + " " for w in words))
    lines = text.splitlines()
    assert lines[-1] == "[Completed by X]"
    assert all(len(line.rstrip()) <= 20 for line in lines[:-1])
    assert " ".join(" ".join(lines[:-1]).split()) == " ".join(words)


def test_deltas_split_mid_word_are_joined_and_newlines_kept() -> None:
    assert printed("Hel", "lo\n\nwor", "ld") == "Hello\n\nworld\n[Completed by X]\n"


def test_a_word_streamed_in_pieces_is_never_split_across_lines() -> None:
    text = printed("The ", "quick ", "brown ", "fox ", "observ", "ability", " works")
    assert "observability" in text.replace("\n", "")
    assert "observability" in text.splitlines()[1]  # moved whole, not "observ" + "ability"


def test_control_characters_from_the_model_never_reach_the_terminal() -> None:
    text = printed("safe \x1b[2Jtext\x07 here")
    assert "\x1b" not in text and "\x07" not in text
    assert text.startswith("safe [2Jtext here")
