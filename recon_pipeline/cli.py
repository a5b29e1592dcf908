"""``recon``: the command line (docs/commands.md), a thin way into the Dagster code location.

``recon run`` executes the ``close_cycle`` job of ``recon_pipeline.definitions`` in this process,
against the Dagster instance in ``DAGSTER_HOME``, so its runs show in the Dagster UI like any
other. Dagster is imported only by the commands that need it, so ``recon --help`` is fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from recon_pipeline.settings import (
    DEFAULT_WAREHOUSE,
    ENV_CONFIG,
    ENV_OUT_DIR,
    ENV_SOURCES_DIR,
    ENV_WAREHOUSE,
    WAREHOUSES,
    Settings,
    SettingsError,
    check_cycle_in_partitions,
    configured_first_cycle,
    load_config_file,
    parse_cycle,
    parse_cycle_format,
    parse_cycle_range,
    reject_password_in_url,
)

if TYPE_CHECKING:
    from dagster import ExecuteInProcessResult

    from recon_pipeline.generate import GenerateStats

DEMO_SOURCES = Path("data/demo/sources")
DEMO_OUT = Path("data/demo/out")
DEMO_DAGSTER_HOME = Path("data/dagster_home")  # the one `make dev` uses
JOB_NAME = "close_cycle"
#: The lock file in OUT that ``recon run`` and ``recon demo`` hold while they write it.
RUN_LOCK = ".recon-run.lock"

Command = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``recon`` command; return its exit status."""
    args = _parser().parse_args(argv)
    command: Command = args.command
    global _COMMAND_LINE
    _COMMAND_LINE = argv is None
    try:
        return command(args)
    except SettingsError as exc:
        print(f"recon {args.name}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"recon {args.name}: interrupted", file=sys.stderr)
        return 130
    finally:
        _settle()  # the process ends next: its exit's collection skips what it holds now


#: Whether this process is the ``recon`` command (main() without argv), not a caller of main()
#: such as a test, whose process goes on after the command.
_COMMAND_LINE = False


def _settle() -> None:
    """In the ``recon`` command's own process, leave what it holds now out of the garbage
    collector's work (lib/gctune.py): after the code location is imported, and before exit.
    A warm demo cycle's exit took 2.5 s less (load ~3) with Dagster, dbt and GX imported."""
    if _COMMAND_LINE:
        from recon_pipeline.lib.gctune import settle

        settle()


def generate_command(args: argparse.Namespace) -> int:
    """``recon generate``: write a sources directory with planted mismatches."""
    cycles = parse_cycle_range(args.cycles)
    if args.scale <= 0:
        raise SettingsError(f"--scale must be positive, not {args.scale}")
    _generate(Path(args.out), seed=args.seed, scale=args.scale, cycles=cycles, clean=args.clean)
    return 0


def run_command(args: argparse.Namespace) -> int:
    """``recon run``: materialize the whole graph for one cycle."""
    cycle = parse_cycle(args.cycle)
    if args.erp_url:
        reject_password_in_url(args.erp_url, where="--erp-url")
    config = Path(args.config).absolute() if args.config else None
    if config is not None:
        load_config_file(config)  # a bad file stops the run here, in one line
    overrides = {
        "sources_dir": str(Path(_given(args.sources, "--sources", ENV_SOURCES_DIR)).absolute()),
        "out_dir": _out_given(args.out),
        "erp_url": args.erp_url,
        "config_file": str(config) if config else None,
        "warehouse": args.warehouse,
    }
    settings = _preflight(overrides)
    with _alone(settings.out_dir):
        _configure_code_location(settings)
        check_cycle_in_partitions(cycle, configured_first_cycle())
        _use_dagster_home(default=settings.out_dir / "dagster_home")
        _land_stream(settings)
        return _run_cycles([cycle], overrides, settings, verbose=args.verbose)


@contextlib.contextmanager
def _alone(out_dir: Path) -> Iterator[None]:
    """Hold OUT's run lock for the block: one ``recon run`` or ``recon demo`` writes an OUT at
    a time; a second stops at once with one line (exit 2)."""
    from recon_pipeline.lib import atomic

    lock = out_dir / RUN_LOCK
    try:
        with atomic.held_alone(lock):
            yield
    except atomic.AlreadyHeld as exc:
        by = f" (process {exc.pid})" if exc.pid else ""
        raise SettingsError(
            f"another recon run or demo is writing {out_dir}{by}: wait for it to end, "
            f"or pass another --out (lock: {lock})") from None
    except OSError as exc:
        if exc.filename != str(lock):
            raise
        raise SettingsError(f"cannot take the run lock {lock}: {exc.strerror}") from None


def _land_stream(settings: Settings) -> None:
    """Land what ``recon serve`` stored, as the sensor does, so the run includes every event."""
    from recon_pipeline.lib.stream.config import StreamConfig

    config = StreamConfig.from_env()
    if not config.nats_url and not config.stream_dir.is_dir():
        return
    from recon_pipeline.lib.stream.landing import land_all

    try:
        reports = land_all(config, settings.out_dir)
    except OSError as exc:  # also an unreachable NATS server
        raise SettingsError(f"cannot read the stream log ({config.store}): {exc}") from None
    if reports:
        print(f"landed {sum(r.landed for r in reports):,} streamed events "
              f"({sum(r.quarantined for r in reports)} quarantined) before the run")


def demo_command(args: argparse.Namespace) -> int:
    """``recon demo``: generate the demo sources, then run every demo cycle."""
    with _alone(DEMO_OUT.absolute()):
        return _demo(args)


def _demo(args: argparse.Namespace) -> int:
    stats = _generate(DEMO_SOURCES, brief=True)
    overrides = {
        "sources_dir": str(DEMO_SOURCES.absolute()),
        "out_dir": str(DEMO_OUT.absolute()),
        "erp_url": None,
        "reporting_currency": None,
    }
    settings = _preflight(overrides)
    _configure_code_location(settings)
    _use_dagster_home(default=DEMO_DAGSTER_HOME)
    cycles = list(_months(min(stats.cycles), max(stats.cycles)))
    print(f"warehouse: {settings.out_dir / 'warehouse.duckdb'}; "
          "browse the runs in the Dagster UI with `make dev`")
    return _run_cycles(cycles, overrides, settings, verbose=args.verbose)


def check_command(args: argparse.Namespace) -> int:
    """``recon check``: does ``OUT`` keep the output contract for ``CYCLE``? One line a problem."""
    from recon_pipeline.lib.contract import check_outputs
    from recon_pipeline.lib.storage import is_url

    cycle = parse_cycle_format(args.cycle)
    # OUT as a URL: its work folder keeps the contract, and the URL holds its published copy
    settings = Settings.resolve(out_dir=args.out) if is_url(args.out) else None
    out = settings.out_dir if settings is not None else Path(args.out)
    if not out.is_dir():
        raise SettingsError(f"output directory {out} does not exist: pass the --out of a run")
    problems = check_outputs(out, cycle)
    if settings is not None and (published := settings.published()) is not None:
        from recon_pipeline.lib.extract.api import SPILL

        problems += published.unpublished(settings.raw_dir(cycle), f"raw/{cycle}",
                                          exclude=(SPILL,))
        from recon_pipeline.lib.reports.write import report_folder

        reports = report_folder(out, cycle)
        if reports.is_dir():
            problems += published.unpublished(reports, f"reports/{cycle}")
    for problem in problems:
        print(problem)
    print(f"{cycle}: contract {'kept' if not problems else f'broken ({len(problems)} problems)'}")
    return 1 if problems else 0


def serve_command(args: argparse.Namespace) -> int:
    """``recon serve``: the stream receiver (secrets and store from the environment only)."""
    from recon_pipeline.lib.stream.app import serve
    from recon_pipeline.lib.stream.config import StreamConfig

    config = StreamConfig.from_env()
    if not config.stripe_secrets and not config.usage_token:
        raise SettingsError(
            "neither RECON_STRIPE_WEBHOOK_SECRET nor RECON_USAGE_TOKEN is set: set at least one "
            "in the environment, the receiver would refuse every request"
        )
    where = f"JetStream stream {config.nats_stream}" if config.nats_url else config.stream_dir
    print(f"recon serve: http://{args.host}:{args.port} storing to {where}", flush=True)
    serve(args.host, args.port, config)
    return 0


def _generate(out: Path, *, brief: bool = False, **kwargs: Any) -> GenerateStats:
    from recon_pipeline.generate import generate

    try:
        stats = generate(out, **kwargs)
    except NotImplementedError:
        raise SettingsError(
            "the data generator is not available in this version yet; "
            "pass a sources directory of your own to `recon run --sources DIR`"
        ) from None
    total = sum(stats.counts.values())
    print(
        f"wrote {stats.out}: cycles {min(stats.cycles)}..{max(stats.cycles)}, {total:,} objects, "
        f"{stats.bytes_written:,} bytes in {stats.seconds:.1f} s"
    )
    if not brief:
        for kind, count in sorted(stats.counts.items()):
            print(f"  {kind}: {count:,}")
    return stats


def _given(value: str | None, option: str, variable: str) -> str:
    """An option's value, else its environment variable's; one line saying how when neither."""
    given = value or os.environ.get(variable)
    if not given:
        raise SettingsError(f"{option} DIR is missing: pass it, or set {variable}")
    return given


def _out_given(value: str | None) -> str:
    """OUT as given (``--out``, else ``RECON_OUT_DIR``): a URL as it is, a path made absolute."""
    from recon_pipeline.lib.storage import is_url

    given = _given(value, "--out", ENV_OUT_DIR)
    return given if is_url(given) else str(Path(given).absolute())


def _preflight(overrides: Mapping[str, str | None]) -> Settings:
    """Everything that can stop a run before it starts, each with a one-line message."""
    settings = Settings.resolve(
        sources_dir=overrides["sources_dir"],
        out_dir=overrides["out_dir"],
        erp_url=overrides["erp_url"],
        config_file=overrides.get("config_file"),
        warehouse=overrides.get("warehouse"),
    )
    settings.check_sources_dir()
    settings.check_erp()
    try:
        settings.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"cannot create the output directory {settings.out_dir}: {exc.strerror}"
        ) from None
    published = settings.published()
    if published is not None:
        try:  # reachable, credentials accepted: a run does not fail only when it publishes
            published.fs.get_file_info(published.base)
        except Exception as exc:  # each filesystem raises its own errors
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SettingsError(f"cannot reach {settings.out_url}: {reason}") from None
        print(f"OUT is {settings.out_url}: raw zone and reports published there; warehouse, "
              f"dbt artifacts and run lock in {settings.out_dir} (RECON_WORK_DIR)")
    return settings


def _configure_code_location(settings: Settings) -> None:
    """What the code location reads when it loads (the partitions' first cycle, the schedules)
    follows this run: its sources directory and config file."""
    os.environ[ENV_SOURCES_DIR] = str(settings.sources_dir)
    if settings.config_file is not None:
        os.environ[ENV_CONFIG] = str(settings.config_file)


def _use_dagster_home(default: Path) -> Path:
    """The instance directory: ``$DAGSTER_HOME``, else ``default`` (created, and said so)."""
    configured = os.environ.get("DAGSTER_HOME")
    if configured:
        home = Path(configured).absolute()
        if not home.is_dir():
            raise SettingsError(
                f"DAGSTER_HOME={configured} is not a directory: create it, or unset DAGSTER_HOME"
            )
    else:
        home = default.absolute()
        home.mkdir(parents=True, exist_ok=True)
        print(f"DAGSTER_HOME is not set: recording runs in {home}")
        _write_instance_settings(home)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


#: The instance settings for one machine (run queue, telemetry off), as `make dev` copies them;
#: read from the repository, as config/recon.yml is (lib/config.py).
INSTANCE_SETTINGS = Path(__file__).resolve().parents[1] / "config" / "dagster.yaml"


def _write_instance_settings(home: Path) -> None:
    """Give an instance directory ``recon`` made the project's settings (config/dagster.yaml)
    when it has none, as `make dev` does: without a dagster.yaml, Dagster sends usage statistics
    and prints its welcome banner into every run's log. One the user wrote is kept."""
    from recon_pipeline.lib.atomic import write_text

    target = home / "dagster.yaml"
    if not target.exists():
        write_text(target, INSTANCE_SETTINGS.read_text("utf-8"))


def _run_cycles(
    cycles: Sequence[str], overrides: Mapping[str, str | None], settings: Settings, *,
    verbose: bool,
) -> int:
    """Run ``cycles`` in turn: a line per stage as it ends, the tools' output in a log file
    (on the terminal with ``verbose``), then one line per cycle on where its close stands.
    The exit status: 0 if every run succeeded, 2 if one failed on an ERP that kept dropping
    the connection, else 1."""
    from recon_pipeline.lib.console import close_line, log_path, tools_to_log

    log = None if verbose else log_path(settings.out_dir)
    if log is not None:
        print(f"details (dbt, Dagster): {log}")
    failures: dict[str, str] = {}
    status = 0
    with tools_to_log(log) as terminal:
        for cycle in cycles:
            failure, code = _run_cycle(cycle, overrides, terminal)
            if failure:
                failures[cycle] = failure
                status = max(status, code)
    for cycle in cycles:
        if cycle in failures:
            where = f" (details: {log})" if log is not None else ""
            print(f"{failures[cycle]}{where}", file=sys.stderr)
        else:
            print(close_line(settings.out_dir, cycle))
    return status


def _run_cycle(cycle: str, overrides: Mapping[str, str | None], terminal: TextIO
               ) -> tuple[str | None, int]:
    """Execute the close_cycle job for ``cycle``, writing its stage lines to ``terminal``;
    (None, 0) if it succeeded, else a line that says which step failed and why, and the exit
    status it calls for (a failed step's ``EXIT_STATUS`` metadata, else 1)."""
    import uuid

    import dagster as dg

    from recon_pipeline.lib.dbt_manifest import prepare_if_stale

    prepare_if_stale()  # the code location reads the dbt manifest; it does not parse the project
    from recon_pipeline.definitions import defs
    from recon_pipeline.defs.shared.instance_files import held_open
    from recon_pipeline.defs.shared.runs import fail_dead_runs, process_tags
    from recon_pipeline.progress import StageProgress, progress_logger, step_stages

    _settle()  # the code location, Dagster, dagster-dbt and dbt's modules are imported now

    progress = StageProgress(step_stages(defs), terminal)
    job = defs.resolve_job_def(JOB_NAME)
    job = job.with_logger_defs({**job.loggers, "recon_progress": progress_logger(progress)})
    resource_config = {key: value for key, value in overrides.items() if value is not None}
    run_config = {
        "resources": {"settings": {"config": resource_config}},
        "loggers": {"console": {"config": {"log_level": "INFO"}}, "recon_progress": {}},
    }
    run_id = str(uuid.uuid4())
    terminal.write(f"cycle {cycle} (run {run_id})\n")
    terminal.flush()
    with dg.DagsterInstance.get() as instance, held_open(instance, run_id):
        for dead in fail_dead_runs(instance, current_run_id=run_id):
            terminal.write(f"run {dead} was left STARTED by a process that is gone: "
                           "marked failed\n")
        result = job.execute_in_process(
            run_config=run_config,
            instance=instance,
            partition_key=cycle,
            raise_on_error=False,
            run_id=run_id,
            tags={"recon/launched_by": "recon", **process_tags()},
        )
    progress.finish()
    skipped = _skipped(result)
    if result.success and skipped:
        # Dagster counts a run whose steps were skipped (an upstream step yielded no output for
        # them) as a success; a close without its quality gate or reports is not one.
        return (f"cycle {cycle}: run {result.run_id} did not finish: steps skipped, an upstream "
                f"step produced no output for them: {', '.join(skipped)}; see the run's logs"), 1
    if result.success:
        return None, 0
    failures = list(_failures(result))
    reasons = "; ".join(line for line, _ in failures) or "see the run's logs"
    status = max((code for _, code in failures), default=1)
    return f"cycle {cycle}: run {result.run_id} failed: {reasons}", status


def _skipped(result: ExecuteInProcessResult) -> list[str]:
    """The keys of the steps the run skipped, in the order it skipped them."""
    import dagster as dg

    return [e.step_key for e in result.all_events
            if e.event_type == dg.DagsterEventType.STEP_SKIPPED and e.step_key]


def _failures(result: ExecuteInProcessResult) -> Iterator[tuple[str, int]]:
    from recon_pipeline.defs.sources.extraction import EXIT_STATUS

    for event in result.get_step_failure_events():
        data = event.step_failure_data
        user = data.user_failure_data
        message = user.description if user else None
        if not message and data.error:
            message = data.error.message.strip().splitlines()[-1]
        entry = user.metadata.get(EXIT_STATUS) if user else None
        code = getattr(entry, "value", entry)
        yield f"step {event.step_key}: {message}", code if isinstance(code, int) else 1


def _months(first: str, last: str) -> Iterator[str]:
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last:
        yield f"{year:04d}-{month:02d}"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recon", description="Close-cycle reconciliation pipeline (Dagster + dbt)."
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    gen = _add(commands, "generate", generate_command, "write a realistic sources directory")
    gen.add_argument("--out", required=True, metavar="DIR", help="sources directory to write")
    gen.add_argument("--seed", type=int, default=7, metavar="N", help="random seed (7)")
    gen.add_argument("--scale", type=float, default=1.0, metavar="F", help="size factor (1.0)")
    gen.add_argument(
        "--cycles", default="2026-08:2026-10", metavar="FIRST:LAST", help="cycles to cover"
    )
    gen.add_argument("--clean", action="store_true",
                     help="plant nothing: no mismatch, trap or malformed row")

    run = _add(commands, "run", run_command, "materialize the whole graph for one cycle")
    run.add_argument("--sources", metavar="DIR",
                     help=f"sources directory (default: ${ENV_SOURCES_DIR})")
    run.add_argument("--cycle", required=True, metavar="YYYY-MM", help="close cycle (a month)")
    run.add_argument("--out", metavar="DIR", help=f"output directory, or a URL such as "
                     f"s3://bucket/recon (default: ${ENV_OUT_DIR}; docs/outputs.md)")
    run.add_argument(
        "--erp-url",
        metavar="URL",
        help="SQLAlchemy URL of the ERP, without password (RECON_ERP_PASSWORD supplies it)",
    )
    run.add_argument(
        "--warehouse", metavar="ENGINE", choices=WAREHOUSES,
        help=f"where dbt builds the marts and findings: {', '.join(WAREHOUSES)} "
        f"(default: ${ENV_WAREHOUSE}, else {DEFAULT_WAREHOUSE}; docs/spark.md)",
    )
    _verbose(run)
    run.add_argument(
        "--config",
        metavar="FILE",
        help="YAML reconciliation settings (format of config/recon.yml): tolerances, windows, "
        "severities, reporting_currency",
    )

    _verbose(_add(commands, "demo", demo_command, "generate demo data and run every demo cycle"))

    from recon_pipeline.cli_workflow import add_commands

    add_commands(commands, _add)  # exceptions, close, web, users: the close workflow

    check = _add(commands, "check", check_command,
                 "check a run's outputs against the output contract (docs/outputs.md)")
    check.add_argument("out", metavar="OUT", help="the output directory of the run (--out), "
                       "or its URL (its work folder, RECON_WORK_DIR, and the published copy)")
    check.add_argument("cycle", metavar="CYCLE", help="the cycle to check (YYYY-MM)")

    serve = _add(commands, "serve", serve_command,
                 "the stream receiver: Stripe webhooks and usage CloudEvents")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8900)
    return parser


def _verbose(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose", action="store_true",
        help="print the tools' output (dbt, Dagster) instead of keeping it in OUT/logs/",
    )


def _add(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    command: Command,
    help_text: str,
) -> argparse.ArgumentParser:
    sub = commands.add_parser(name, help=help_text, description=help_text)
    sub.set_defaults(command=command, name=name)
    return sub


if __name__ == "__main__":
    sys.exit(main())
