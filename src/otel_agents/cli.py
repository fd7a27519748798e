"""The `otel-agents` command: `demo`, `run`, `doctor` and `view`.

`main(argv, console=...)` is the whole program: it parses arguments (argparse), runs a command
and returns the exit code: 0 on success, 1 when a run failed (its trace shows where), 2 for bad
input (an unknown scenario, a bad `app.py:agent`, an invalid OTEL_* value, an unreachable
collector, a missing API key, a model server that refuses or never answers), printed as ONE line
on stderr saying what to do; 130 on Ctrl-C. Telemetry that could not be delivered (to a collector
or the --jsonl file) is said on the last lines and never changes the exit code.
Output goes to the `rich` console passed in (tests pass one writing to a StringIO).

The pieces live in `otel_agents.demo`: scenarios (agents, tools, scripts), runs (one run printed
live, many with a progress bar), display (stream printer, summary), trees (trace trees), telemetry
(where spans and metrics go) and doctor. Each command imports what it needs when it runs: `--help`
loads neither rich nor OpenTelemetry, and `--help`, `view` and `doctor` load neither the runner
nor the openai client (tests/cli/test_startup.py; the start-up budget is in bench/startup.py).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .demo.catalog import SUMMARIES
from .exceptions import UserError

if TYPE_CHECKING:
    from rich.console import Console

    from .agent import Agent
    from .demo import telemetry
    from .demo.scenarios import Scenario
    from .demo.trees import SpanNode, TraceCollector
    from .models.provider import OpenAIProvider
    from .run_config import RunConfig
    from .tracing import JsonlFileProcessor

__all__ = ["CliError", "load_agent", "main"]

_TRACING_LOGGER = logging.getLogger("otel_agents.tracing")


class CliError(Exception):
    """Bad input: the message is the one line the user sees."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see {self.prog} --help)")


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive integer")
    return int(value)


def _parser() -> _Parser:
    parser = _Parser(prog="otel-agents", description="Run agents and see their traces.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scenarios = "; ".join(f"{name}: {summary}" for name, summary in SUMMARIES.items())
    demo = commands.add_parser(
        "demo",
        help="run a multi-agent demo workflow, offline by default",
        description=f"Scenarios: {scenarios}.",
    )
    scenario_help = "default: support (with --runs: every scenario in turn)"
    demo.add_argument("--scenario", choices=list(SUMMARIES), help=scenario_help)
    runs_help = "run N workflows concurrently, then show a summary"
    demo.add_argument("--runs", type=_positive, default=1, metavar="N", help=runs_help)
    which = demo.add_mutually_exclusive_group()
    which.add_argument("--model", help="real model name (needs OPENAI_API_KEY or OPENAI_BASE_URL)")
    offline_help = "use the scripted model even when OPENAI_API_KEY or OPENAI_BASE_URL is set"
    which.add_argument("--offline", action="store_true", help=offline_help)
    delay_help = "pause between streamed words of the scripted model (default: 0.03)"
    demo.add_argument("--chunk-delay", type=float, default=0.03, metavar="S", help=delay_help)
    run = commands.add_parser("run", help="run your agent: otel-agents run app.py:agent 'input'")
    run.add_argument("target", metavar="FILE.py:AGENT")
    run.add_argument("input")
    for command in (demo, run):
        command.add_argument("--no-stream", action="store_true", help="print when the run ends")
        command.add_argument("--jsonl", metavar="FILE", help="also write spans to a JSONL file")
    doctor = commands.add_parser("doctor", help="check the telemetry configuration and endpoint")
    doctor.add_argument("--timeout", type=float, default=3.0, help="seconds for the test export")
    view = commands.add_parser("view", help="show the traces of a JSONL file as trees")
    view.add_argument("path", type=Path)
    return parser


class _JsonlOutput(logging.Filter):
    """The `--jsonl` writer. What it could not write is said once, on the command's last lines
    with the count, so its own log line about the file (mid-run, among the conversation) is held
    back by this filter on its logger, and only its reason kept.
    """

    def __init__(self, path: str) -> None:
        from .tracing import JsonlFileProcessor

        super().__init__()
        try:
            self.processor: JsonlFileProcessor = JsonlFileProcessor(path)
        except OSError as error:
            message = f"cannot write {path}: {error.strerror}; choose another --jsonl path"
            raise CliError(message) from None
        self.reason: str | None = None
        _TRACING_LOGGER.addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if not str(record.msg).startswith("JsonlFileProcessor") or self.processor.path not in args:
            return True
        if self.reason is None:
            error = next((a for a in args if isinstance(a, BaseException)), None)
            self.reason = "its queue was full" if error is None else _strerror(error)
        return False

    def close(self) -> None:
        _TRACING_LOGGER.removeFilter(self)

    def lost(self, total: int) -> str | None:
        """The line saying what could not be written, or None when everything was."""
        dropped = self.processor.dropped
        if not dropped:
            return None
        return (
            f"✗ {dropped} of {max(total, dropped)} traces and spans could not be written to "
            f"{self.processor.path}: {self.reason or 'the write failed'}; choose another --jsonl "
            "path"
        )


def _strerror(error: BaseException) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


@contextlib.contextmanager
def _collecting(jsonl: str | None) -> Iterator[tuple[TraceCollector, _JsonlOutput | None]]:
    """Registers an in-memory collector (and a JSONL writer) for the run, removed afterwards."""
    from .demo.trees import TraceCollector
    from .tracing import TracingProcessor, add_trace_processor, get_trace_provider

    collector = TraceCollector()
    output = _JsonlOutput(jsonl) if jsonl else None
    ours: list[TracingProcessor] = [collector]
    if output is not None:
        ours.append(output.processor)
    for processor in ours:
        add_trace_processor(processor)
    try:
        yield collector, output
    finally:
        provider = get_trace_provider()
        provider.set_processors(p for p in provider.processors if p not in ours)
        for processor in ours:
            processor.force_flush()
            processor.shutdown()
        if output is not None:
            output.close()


def _model(args: argparse.Namespace) -> tuple[str | None, OpenAIProvider | None, str]:
    """(model name, provider, description); provider None means the offline scripted model.

    A real model when the environment configures one: `openai_configured`, the rule the library
    (and so `otel-agents run`) follows.
    """
    from .models._defaults import default_model_name, env_value, openai_configured
    from .models.provider import OpenAIProvider
    from .otel.settings import safe_url

    if args.offline or not openai_configured():
        if args.model:
            raise CliError(
                f"--model {args.model} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local "
                "OpenAI-compatible server); drop --model to run the demo offline"
            )
        offline = "offline; set OPENAI_API_KEY or OPENAI_BASE_URL for a real model"
        return None, None, f"scripted-model ({offline})"
    base_url = env_value("OPENAI_BASE_URL")
    where = safe_url(base_url) if base_url else "OpenAI"
    return args.model, OpenAIProvider(), f"{args.model or default_model_name()} via {where}"


@contextlib.contextmanager
def _model_server_answers(offline_hint: bool) -> Iterator[None]:
    """A model server that refused or never answered becomes the one-line error (exit 2)."""
    from .demo.model_server import Unreachable

    try:
        yield
    except Unreachable as problem:
        raise CliError(problem.line(offline_hint=offline_hint)) from None


def _demo_jobs(
    args: argparse.Namespace, provider: OpenAIProvider | None, model: str | None
) -> list[tuple[Scenario, RunConfig]]:
    from .demo.scenarios import SCENARIOS
    from .models.scripted import ScriptedModel
    from .run_config import RunConfig

    # One run shows the support scenario; many runs cycle through all of them, to fill dashboards.
    names = [args.scenario] if args.scenario else list(SCENARIOS)[: 1 if args.runs == 1 else None]
    jobs = []
    for i in range(args.runs):
        scenario = SCENARIOS[names[i % len(names)]]
        scripted = ScriptedModel(scenario.script(), chunk_delay=max(args.chunk_delay, 0.0))
        config = RunConfig(
            model=scripted if provider is None else model,
            model_provider=provider,
            workflow_name=scenario.workflow_name,
            trace_metadata={"scenario": scenario.name, "source": "otel-agents demo"},
        )
        jobs.append((scenario, config))
    return jobs


def _cmd_demo(args: argparse.Namespace, out: Console) -> int:
    import asyncio

    from rich.text import Text

    from .demo import display, runs, telemetry
    from .demo.scenarios import DemoContext

    config = telemetry.read_export_config(default_service="otel-agents-demo")
    model, provider, described = _model(args)
    telemetry.configure_export(config)
    jobs = _demo_jobs(args, provider, model)
    stream = not args.no_stream
    with _model_server_answers(offline_hint=True), _collecting(args.jsonl) as (collector, jsonl):
        if args.runs == 1:
            scenario, run_config = jobs[0]
            header = f"{scenario.name}: {scenario.summary} · model {described}"
            out.print(Text(header, style="dim"), soft_wrap=True)
            agent, context = scenario.build(), DemoContext()
            one = runs.run_one(
                agent, scenario.input, run_config, context=context, stream=stream, console=out
            )
            failed = 0 if asyncio.run(one) else 1
        else:
            summaries = asyncio.run(runs.run_many(jobs, stream=stream, console=out))
            failed = sum(1 for s in summaries if s.error)
    trees = display.build_trees(collector.records)
    if args.runs == 1:
        _print_trees(trees, out)
    else:
        out.print(display.render_summary(summaries, trees))
        for error in sorted({s.error for s in summaries if s.error})[:3]:
            out.print(Text(f"✗ {error}", style="red"))
    return _finish(out, config, collector, jsonl, failed)


def _print_trees(trees: list[SpanNode], out: Console) -> None:
    from .demo.trees import render_tree

    for tree in trees:
        out.print()
        out.print(render_tree(tree))


def _finish(
    out: Console,
    config: telemetry.ExportConfig,
    collector: TraceCollector,
    jsonl: _JsonlOutput | None,
    failed: int,
) -> int:
    """Flushes telemetry and says where it went; the exit code says how the runs went (a loss of
    telemetry, to a collector or the JSONL file, is reported here but never changes it)."""
    from rich.text import Text

    from .demo import telemetry

    in_time = telemetry.flush_telemetry()
    lost = jsonl.lost(len(collector.records)) if jsonl else None
    if lost:
        out.print(Text(lost, style="bold red"), soft_wrap=True)
    written = jsonl.processor.path if jsonl and not lost else None
    line = telemetry.describe_destination(config, written, in_time=in_time)
    out.print(Text(line, style="dim"), soft_wrap=True)
    return 1 if failed else 0


def load_agent(target: str) -> Agent[Any]:
    """The Agent named by "path/to/app.py:attribute" (the attribute defaults to `agent`)."""
    import importlib.util

    from .agent import Agent

    path_text, sep, attribute = target.rpartition(":")
    if not sep or not path_text or "/" in attribute or "\\" in attribute:
        path_text, attribute = target, "agent"  # no attribute given (or a Windows drive colon)
    path = Path(path_text)
    if not path.is_file():
        raise CliError(
            f"{path}: no such file; give the Python file that defines the agent, e.g. "
            "otel-agents run app.py:agent 'Hello'"
        )
    name = path.stem if path.stem not in sys.modules else f"_otel_agents_app_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CliError(f"{path} cannot be imported as Python; give a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent.resolve()))  # so the app's own sibling imports work
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise CliError(f"importing {path} failed: {type(error).__name__}: {error}") from None
    if not hasattr(module, attribute):
        found = [k for k, v in vars(module).items() if isinstance(v, Agent)]
        hint = f"agents defined there: {', '.join(found)}" if found else "it defines no Agent"
        raise CliError(f"{path} has no attribute {attribute!r}; {hint}")
    agent = getattr(module, attribute)
    if not isinstance(agent, Agent):
        raise CliError(f"{path}:{attribute} is a {type(agent).__name__}, not an otel_agents.Agent")
    return agent


def _cmd_run(args: argparse.Namespace, out: Console) -> int:
    import asyncio

    from .demo import runs, telemetry
    from .demo.trees import build_trees
    from .run_config import RunConfig

    config = telemetry.read_export_config(default_service="otel-agents")
    agent = load_agent(args.target)  # before the export setup: the app may install providers
    telemetry.configure_export(config)
    with _model_server_answers(offline_hint=False), _collecting(args.jsonl) as (collector, jsonl):
        one = runs.run_one(agent, args.input, RunConfig(), stream=not args.no_stream, console=out)
        ok = asyncio.run(one)
    _print_trees(build_trees(collector.records), out)
    return _finish(out, config, collector, jsonl, 0 if ok else 1)


def _cmd_view(args: argparse.Namespace, out: Console) -> int:
    from .demo.jsonl_file import read_jsonl
    from .demo.trees import build_trees, render_tree

    path: Path = args.path
    if not path.is_file():
        raise CliError(
            f"{path}: no such file; write one with JsonlFileProcessor(path) or "
            f"otel-agents demo --jsonl {path}"
        )
    try:
        content = read_jsonl(path)
        trees = build_trees(content.records)
    except (ValueError, OSError) as error:
        raise CliError(f"{error}; give a file written by JsonlFileProcessor") from None
    if not trees:
        raise CliError(f"{path} holds no trace yet; run something with JsonlFileProcessor first")
    for tree in trees:
        out.print(render_tree(tree))
    if content.cut_line is not None:
        out.print(
            f"{path}:{content.cut_line} was cut short (the writer stopped mid-line) and is not "
            "shown; every line before it is."
        )
    return 0


def _cmd_doctor(args: argparse.Namespace, out: Console) -> int:
    from .demo.doctor import run_doctor

    run_doctor(out, timeout=args.timeout)
    return 0


_COMMANDS = {"demo": _cmd_demo, "run": _cmd_run, "doctor": _cmd_doctor, "view": _cmd_view}


def main(argv: Sequence[str] | None = None, *, console: Console | None = None) -> int:
    """Runs the command line `argv` (default: `sys.argv[1:]`); returns the exit code."""
    out = console
    try:
        args = _parser().parse_args(argv)
        if out is None:  # after parsing: `--help` does without rich
            from rich.console import Console

            out = Console(highlight=False)
        return _COMMANDS[args.command](args, out)
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else 0
    except (CliError, UserError) as error:
        from rich.console import Console
        from rich.text import Text

        message = Text(f"error: {error}", style="bold red")
        Console(stderr=True, highlight=False).print(message, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        if out is not None:
            out.print()  # end the half-printed line; no traceback
        return 130
    except BrokenPipeError:  # `otel-agents view traces.jsonl | head`: the reader left
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
