"""``recon``: the command line (interfaces.md), a thin way into the Dagster code location.

``recon run`` executes the ``close_cycle`` job of ``recon_pipeline.definitions`` in this process,
against the Dagster instance in ``DAGSTER_HOME``, so its runs show in the Dagster UI like any
other. Dagster is imported only by the commands that need it, so ``recon --help`` is fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recon_pipeline.settings import (
    Settings,
    SettingsError,
    load_config_file,
    parse_cycle,
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

Command = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``recon`` command; return its exit status."""
    args = _parser().parse_args(argv)
    command: Command = args.command
    try:
        return command(args)
    except SettingsError as exc:
        print(f"recon {args.name}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"recon {args.name}: interrupted", file=sys.stderr)
        return 130


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
        "sources_dir": str(Path(args.sources).absolute()),
        "out_dir": str(Path(args.out).absolute()),
        "erp_url": args.erp_url,
        "config_file": str(config) if config else None,
    }
    settings = _preflight(overrides)
    _use_dagster_home(default=settings.out_dir / "dagster_home")
    return 0 if _run_cycle(cycle, overrides, settings) else 1


def demo_command(args: argparse.Namespace) -> int:
    """``recon demo``: generate the demo sources, then run every demo cycle."""
    stats = _generate(DEMO_SOURCES)
    overrides = {
        "sources_dir": str(DEMO_SOURCES.absolute()),
        "out_dir": str(DEMO_OUT.absolute()),
        "erp_url": None,
        "reporting_currency": None,
    }
    settings = _preflight(overrides)
    _use_dagster_home(default=DEMO_DAGSTER_HOME)
    cycles = list(_months(min(stats.cycles), max(stats.cycles)))
    failed = [cycle for cycle in cycles if not _run_cycle(cycle, overrides, settings)]
    print(f"demo outputs under {settings.out_dir}:")
    for cycle in cycles:
        reports = settings.out_dir / "reports" / cycle
        where = f"reports {reports}" if reports.is_dir() else f"raw zone {settings.raw_dir(cycle)}"
        print(f"  {cycle}: {where}{'  (FAILED)' if cycle in failed else ''}")
    print(f"warehouse: {settings.out_dir / 'warehouse.duckdb'}; browse the runs with `make dev`")
    return 1 if failed else 0


def serve_command(args: argparse.Namespace) -> int:
    """``recon serve``: not in this version."""
    print("recon serve: the stream receiver arrives with the stream issue; nothing to serve yet")
    return 2


def _generate(out: Path, **kwargs: Any) -> GenerateStats:
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
    for kind, count in sorted(stats.counts.items()):
        print(f"  {kind}: {count:,}")
    return stats


def _preflight(overrides: Mapping[str, str | None]) -> Settings:
    """Everything that can stop a run before it starts, each with a one-line message."""
    settings = Settings.resolve(
        sources_dir=overrides["sources_dir"],
        out_dir=overrides["out_dir"],
        erp_url=overrides["erp_url"],
        config_file=overrides.get("config_file"),
    )
    settings.check_sources_dir()
    settings.check_erp()
    try:
        settings.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"cannot create the output directory {settings.out_dir}: {exc.strerror}"
        ) from None
    return settings


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
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _run_cycle(cycle: str, overrides: Mapping[str, str | None], settings: Settings) -> bool:
    """Execute the close_cycle job for ``cycle``; say how it ended; True if it succeeded."""
    import dagster as dg

    from recon_pipeline.lib.dbt_manifest import prepare_if_stale

    prepare_if_stale()  # the code location reads the dbt manifest; it does not parse the project
    from recon_pipeline.definitions import defs

    resource_config = {key: value for key, value in overrides.items() if value is not None}
    run_config = {
        "resources": {"settings": {"config": resource_config}},
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
    }
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def(JOB_NAME).execute_in_process(
            run_config=run_config,
            instance=instance,
            partition_key=cycle,
            raise_on_error=False,
            tags={"recon/launched_by": "recon"},
        )
    if result.success:
        print(f"cycle {cycle}: run {result.run_id} succeeded; outputs in {settings.out_dir}")
        return True
    reasons = "; ".join(_failures(result)) or "see the run's logs"
    print(f"cycle {cycle}: run {result.run_id} failed: {reasons}", file=sys.stderr)
    return False


def _failures(result: ExecuteInProcessResult) -> Iterator[str]:
    for event in result.get_step_failure_events():
        data = event.step_failure_data
        message = data.user_failure_data.description if data.user_failure_data else None
        if not message and data.error:
            message = data.error.message.strip().splitlines()[-1]
        yield f"step {event.step_key}: {message}"


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
    run.add_argument("--sources", required=True, metavar="DIR", help="sources directory")
    run.add_argument("--cycle", required=True, metavar="YYYY-MM", help="close cycle (a month)")
    run.add_argument("--out", required=True, metavar="DIR", help="output directory")
    run.add_argument(
        "--erp-url",
        metavar="URL",
        help="SQLAlchemy URL of the ERP, without password (RECON_ERP_PASSWORD supplies it)",
    )
    run.add_argument(
        "--config",
        metavar="FILE",
        help="YAML reconciliation settings (format of config/recon.yml): tolerances, windows, "
        "severities, reporting_currency",
    )

    _add(commands, "demo", demo_command, "generate demo data and run every demo cycle")

    serve = _add(commands, "serve", serve_command, "the stream receiver (not yet)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8900)
    return parser


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
