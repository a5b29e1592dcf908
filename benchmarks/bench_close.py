"""What a close costs: a cold and a warm run of one cycle, stage by stage, against a lower bound.

Usage::

    .venv/bin/python benchmarks/bench_close.py --scale 20 [--cycle 2026-10] [--cache DIR]

1. Generates the sources once with ``recon generate`` (the ``--closes`` cycles ending at
   ``--cycle``, two by default; ``--scale 1`` is about 500 invoices a cycle) and caches them
   under ``--cache`` (default ``data/bench/``), so later runs of the benchmark start at once.
   That is one cumulative export, taken three days after the last cycle. From it, the export
   as of each cycle's close (three days after that cycle) is cut once and cached beside it
   (benchmarks/export_asof.py: the objects created before then; each usage month's lines
   ordered so that every export's file is a byte prefix of the next one's; an object shows
   its final state, a cut by creation, not a replay of its history). The generator cannot
   write those itself: a run with fewer cycles is another simulation, not a prefix of this
   one.
2. Cold run: nothing landed; the first cycle is closed on its own export in a fresh output
   folder, stage by stage (extract, with each source object's seconds; dbt build; the
   expectation suites; reports), each stage in a child process of its own, so its wall time
   and peak memory (max RSS) are its own.
3. Warm runs: the next cycles (``--closes N``: N closes in a row, 12 for a year), each closed
   next in the same folder: earlier months landed by the earlier closes, the canonical facts
   merged, the findings written for this cycle's partition only. Before each close, its
   export replaces the last one in one sources folder as a source system updates it: files
   whose bytes are the same are left alone (extraction links the earlier raw zone's outputs,
   recon_pipeline.lib.extract.reuse), grown usage files are read from where the last close
   stopped (recon_pipeline.lib.extract.tail), changed and new files are read whole.
   ``--same-export`` closes every cycle on the cumulative export instead (the warm closes
   then find every file unchanged).
4. The lower bound: the two core pairs (finalized invoices and succeeded charges against
   their ERP postings: not posted, amount differs) as one hand-written DuckDB query over the
   same sources, and the ratio of each run to it.
5. ``--datacompy``: the invoice-to-ledger pair with datacompy's Polars comparator
   (benchmarks/datacompy/pair.py) in a venv of its own under ``--cache`` (datacompy 1.1 pins
   pandas < 3.1 and polars < 1.45), amounts in minor units with a tolerance of one, and the
   ratio of each run to it. A table of every close ends the output; ``--dbt-nodes N`` adds
   the last close's N slowest dbt models and N slowest data tests (target/run_results.json).

DuckDB's memory limit in each stage is the pipeline's own (recon_pipeline/lib/memory.py: its
share of the close's budget, a third of the machine, at most 8 GiB, unless RECON_*_MEMORY_LIMIT
set it), and DuckDB spills to a temp folder beyond it; the lower bound gets dbt's limit.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_run import REPORTS, VALIDATE, run_child
from export_asof import describe, export_cut, sync, write_export

from recon_pipeline.lib.memory import ENV, duckdb_memory_limit

ROOT = Path(__file__).resolve().parents[1]

EXTRACT = """
import sys
from pathlib import Path
from recon_pipeline.lib.extract.api import extract_sources
report = extract_sources(Path(sys.argv[1]), None, Path(sys.argv[2]))
for o in report.objects:
    how = f"linked from {o.reused_from}" if o.reused_from else f"{o.rows_read:>10,} rows read"
    print(f"    extract {o.name:<30} {o.seconds:7.2f} s  {how}")
print(f"    rows {sum(report.rows.values()):,}, quarantined {report.rows_quarantined:,}")
"""

LOWER_BOUND = """
import sqlite3, sys, time
from pathlib import Path
import duckdb, pyarrow as pa
sources, cycle = Path(sys.argv[1]), sys.argv[2]
started = time.perf_counter()
con = duckdb.connect()
con.sql(f"set memory_limit = '{sys.argv[3]}'")
with sqlite3.connect(sources / "erp" / "ledger.sqlite") as db:
    names = ["journal_id", "account_code", "debit", "credit", "document_type", "document_ref",
             "reversal_of"]
    cursor = db.execute(f"select {', '.join(names)} from gl_journal_lines")
    batches = []
    while rows := cursor.fetchmany(200_000):  # a batch at a time: 1M invoices are 39M lines
        batches.append(pa.record_batch([pa.array([r[i] for r in rows], pa.string())
                                        for i in range(len(names))], names=names))
    lines = pa.Table.from_batches(batches, pa.schema([(n, pa.string()) for n in names]))
    del batches, rows
    roles = pa.table({k: pa.array(v, pa.string()) for k, v in zip(
        ("account_code", "role"), zip(*db.execute("select account_code, role from gl_accounts"))
    )})
def jsonl(stem):
    return [str(p) for p in (sources / "billing").glob(f"{stem}.jsonl*")] + [
        str(p) for p in (sources / "payments").glob(f"{stem}.jsonl*")]
inv, chg = jsonl("invoices"), jsonl("charges")
query = f'''
with lines as (select * from lines),
live as (
    select l.*, r.role from lines l join roles r using (account_code)
    where l.document_type <> 'REVERSAL'
      and l.journal_id not in (select reversal_of from lines where reversal_of <> '')
),
posted as (
    select document_type, document_ref,
           sum(case when document_type = 'INVOICE' and role = 'AR'
                      or document_type = 'PAYMENT' and role = 'GATEWAY_CLEARING'
                    then cast(debit as decimal(18, 3)) - cast(credit as decimal(18, 3)) end)
               as amount
    from live where document_type in ('INVOICE', 'PAYMENT')
    group by all
),
exponents as (
    select * from (values ('BIF',0),('CLP',0),('DJF',0),('GNF',0),('JPY',0),('KMF',0),('KRW',0),
        ('MGA',0),('PYG',0),('RWF',0),('UGX',0),('VND',0),('VUV',0),('XAF',0),('XOF',0),
        ('XPF',0),('BHD',3),('JOD',3),('KWD',3),('OMR',3),('TND',3)) t(currency, e)
),
invoices as (
    select id, upper(currency) as currency, total,
           strftime(make_timestamp(
               coalesce(status_transitions.finalized_at, created) * 1000000), '%Y-%m')
               as cycle
    from read_json({inv!r}, format = 'newline_delimited', ignore_errors = true,
                   columns = {{id: 'VARCHAR', status: 'VARCHAR', total: 'BIGINT',
                               currency: 'VARCHAR', created: 'BIGINT',
                               status_transitions: 'STRUCT(finalized_at BIGINT)'}})
    where status in ('open', 'paid', 'uncollectible') and total <> 0
),
charges as (
    select id, upper(currency) as currency, coalesce(amount_captured, amount) as total,
           strftime(make_timestamp(created * 1000000), '%Y-%m') as cycle
    from read_json({chg!r}, format = 'newline_delimited', ignore_errors = true,
                   columns = {{id: 'VARCHAR', status: 'VARCHAR', amount: 'BIGINT',
                               amount_captured: 'BIGINT', currency: 'VARCHAR',
                               created: 'BIGINT'}})
    where status = 'succeeded'
),
documents as (
    select 'INVOICE' as document_type, 'invoice' as kind, * from invoices where cycle = '{cycle}'
    union all
    select 'PAYMENT', 'payment', * from charges where cycle = '{cycle}'
)
select d.kind || case when p.document_ref is null then '_not_posted' else '_amount_mismatch' end,
       count(*)
from documents d
left join exponents x on x.currency = d.currency
left join posted p on p.document_type = d.document_type and p.document_ref = d.id
where p.document_ref is null
   or abs(p.amount * pow(10, coalesce(x.e, 2)) - d.total) > 1
group by 1 order by 1
'''
found = con.sql(query).fetchall()
seconds = time.perf_counter() - started
for category, count in found:
    print(f"    {category:<26} {count:>8,}")
print(f"LOWER_BOUND_SECONDS {seconds:.3f}")
"""

CORE_COUNTS = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for category, count in con.sql(
    "select category, count(*) from marts.fct_mismatches where cycle = $1 and category in "
    "('invoice_not_posted', 'invoice_amount_mismatch', 'payment_not_posted', "
    "'payment_amount_mismatch') group by 1 order by 1", params=[sys.argv[2]]).fetchall():
    print(f"    {category:<26} {count:>8,}")
"""


def stage(name: str, argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run one stage in a child process: (seconds, peak RSS bytes, its output)."""
    return run_child(name, argv, env=env, capture=True)


def close(out: Path, sources: Path, cycle: str, env: dict[str, str]
          ) -> list[tuple[str, float, int]]:
    """Close ``cycle`` in ``out`` stage by stage; print and return (stage, seconds, RSS)."""
    # The build the warehouse asset runs: its exclude (unit and macro tests), threads, file log,
    # the cycle and OUT as environment variables and the settings as --vars (so a cycle's build
    # re-parses nothing of the last one's), and the parsed project carried from cycle to cycle.
    from recon_pipeline.defs.warehouse.assets import (
        close_build_args,
        keep_parsed_project,
        reuse_parsed_project,
    )
    from recon_pipeline.settings import Settings

    python = sys.executable
    dbt = str(Path(python).parent / "dbt")
    settings = Settings.resolve(sources_dir=str(sources), out_dir=str(out), environ={})
    artifacts = out / "dbt" / cycle
    project = str(ROOT / "dbt_project")
    stages = [
        ("extract", [python, "-c", EXTRACT, str(sources), str(out / "raw" / cycle)]),
        ("dbt", [dbt, *close_build_args(settings), "--project-dir", project,
                 "--profiles-dir", project, "--target-path", str(artifacts), "--log-path",
                 str(artifacts), "--quiet"]),
        ("quality", [python, "-c", VALIDATE, str(out), cycle]),
        ("reports", [python, "-c", REPORTS, str(out), cycle]),
    ]
    figures = []
    for name, argv in stages:
        if name == "dbt":
            artifacts.mkdir(parents=True, exist_ok=True)
            reuse_parsed_project(out / "dbt", artifacts)
        seconds, rss, output = stage(
            name, argv, {**env, **settings.dbt_env(cycle)} if name == "dbt" else env)
        if name == "dbt":
            keep_parsed_project(artifacts, out / "dbt")
        print(f"  {name:<8} {seconds:8.1f} s  peak RSS {rss / 2**20:7.0f} MiB")
        if name == "extract":
            print(output.rstrip())
        figures.append((name, seconds, rss))
    total = sum(s for _, s, _ in figures)
    peak = max(r for _, _, r in figures)
    print(f"  {'total':<8} {total:8.1f} s  peak RSS {peak / 2**20:7.0f} MiB")
    return figures


#: The datacompy baseline: its script and the requirements of its own venv.
DATACOMPY = ROOT / "benchmarks" / "datacompy"


def datacompy_python(cache: Path) -> str:
    """The python of the benchmark's own datacompy venv (made on first use): datacompy 1.1 pins
    pandas and polars below the project's versions, so it cannot share the project's venv."""
    venv = cache / "datacompy-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"making {venv} ({DATACOMPY / 'requirements.txt'}) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r",
                        str(DATACOMPY / "requirements.txt")],
                       check=True)
    return str(python)


def dbt_nodes(path: Path, n: int) -> None:
    """The ``n`` slowest models and data tests of a dbt build, and each kind's total."""
    from recon_pipeline.defs.warehouse.assets import dbt_threads

    run = json.loads(path.read_text())
    results = run["results"]
    print(f"  dbt nodes of {path.parent.name} ({path.name}: elapsed "
          f"{run['elapsed_time']:.1f} s, {dbt_threads()} threads):")
    for kind in ("model", "test"):
        nodes = sorted((r for r in results if r["unique_id"].split(".")[0] == kind),
                       key=lambda r: -r["execution_time"])
        total = sum(r["execution_time"] for r in nodes)
        print(f"    {len(nodes)} {kind}s: {total:.1f} s in all; the slowest {min(n, len(nodes))}:")
        for r in nodes[:n]:
            print(f"      {r['execution_time']:7.2f} s  {r['unique_id'].split('.', 2)[2]}")


def main() -> None:
    """Generate (once), close the cycles in a row (the first cold, the rest warm), then the
    lower bound and, with --datacompy, datacompy on the invoice-to-ledger pair."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--cycle", default="2026-10", help="the last cycle closed")
    parser.add_argument("--closes", type=int, default=2,
                        help="monthly closes in a row, ending at --cycle (12: a year of closes)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--lower-bound-only", action="store_true",
                        help="only the hand-written DuckDB query (no pipeline run)")
    parser.add_argument("--datacompy", action="store_true",
                        help="also the invoice-to-ledger pair with datacompy (its own venv)")
    parser.add_argument("--same-export", action="store_true",
                        help="close every cycle on the cumulative export (no export per cycle)")
    parser.add_argument("--dbt-nodes", type=int, default=0, metavar="N",
                        help="print the last close's N slowest dbt models and data tests")
    args = parser.parse_args()
    if args.closes < 1:
        parser.error("--closes must be at least 1")

    from recon_pipeline.lib.cycles import shift_cycle

    cycles = [shift_cycle(args.cycle, k - args.closes + 1) for k in range(args.closes)]
    first = cycles[0]
    sources = (args.cache / f"seed{args.seed}-scale{args.scale:g}-{first}-{args.cycle}"
               / "sources").resolve()
    if not (sources / "_truth").is_dir():
        from recon_pipeline.generate import generate

        print(f"generating {sources} ...", flush=True)
        stats = generate(sources, seed=args.seed, scale=args.scale, cycles=(first, args.cycle))
        print(f"  {stats}")
    manifest = json.loads((sources / "_truth" / "manifest.json").read_text())
    size = sum(p.stat().st_size for p in sources.rglob("*") if p.is_file())
    print(f"sources {sources}: {size / 2**20:,.0f} MiB, objects {manifest.get('counts', '')}")

    out = (args.out or Path(tempfile.mkdtemp(prefix="recon-bench-close-"))).resolve()
    exports = {cycle: sources for cycle in cycles}
    live = sources
    if not args.same_export:
        cuts = [export_cut(cycle) for cycle in cycles]
        for cycle, cut in zip(cycles, cuts, strict=True):
            exports[cycle] = sources.with_name(f"asof-{cycle}")
            if not (exports[cycle] / "_truth").is_dir():
                print(f"cutting the export as of {describe(cut)} ...", flush=True)
                write_export(sources, exports[cycle], cut, cuts)
        # one folder the closes read, updated in place from export to export
        live = out.with_name(out.name + "-sources")
    limit = duckdb_memory_limit("dbt")
    env = {**os.environ, ENV["dbt"]: limit}  # what the warehouse asset gives dbt
    print(f"output {out}; DuckDB memory limit: dbt {limit}, extraction "
          f"{duckdb_memory_limit('extract')}, quality {duckdb_memory_limit('quality')}")

    runs: list[tuple[str, list[tuple[str, float, int]]]] = []
    if args.lower_bound_only:
        live = exports[args.cycle]
    else:
        for k, cycle in enumerate(cycles):
            how = "cold, nothing landed" if k == 0 else f"warm, {k} earlier cycle(s) landed"
            print(f"close {k + 1}/{len(cycles)}: {cycle} ({how})", flush=True)
            if live != sources:
                files = sync(exports[cycle], live)
                size = sum(p.stat().st_size for p in live.rglob("*") if p.is_file())
                print(f"  sources {live}: the export as of {describe(export_cut(cycle))}, "
                      f"{size / 2**20:,.0f} MiB; files "
                      + ", ".join(f"{n} {what}" for what, n in files.items() if n), flush=True)
            runs.append((cycle, close(out, live, cycle, env)))
        print(f"  the pipeline's core-pair findings of {args.cycle}:")
        print(stage("counts", [sys.executable, "-c", CORE_COUNTS, str(out / "warehouse.duckdb"),
                               args.cycle], env)[2].rstrip())
        if args.dbt_nodes:
            dbt_nodes(out / "dbt" / args.cycle / "run_results.json", args.dbt_nodes)
    sources = live

    print(f"lower bound: the two core pairs of {args.cycle} in one hand-written DuckDB query")
    seconds, rss, output = stage("lower bound", [sys.executable, "-c", LOWER_BOUND,
                                                 str(sources), args.cycle, limit], env)
    print(output.rstrip())
    query = float(output.rsplit("LOWER_BOUND_SECONDS", 1)[1])
    print(f"  process {seconds:.1f} s (query {query:.1f} s)  peak RSS {rss / 2**20:.0f} MiB")
    baselines = [("lower bound", seconds)]
    if args.datacompy:
        python = datacompy_python(args.cache)
        print(f"datacompy: the invoice-to-ledger pair of {args.cycle} (PolarsCompare)")
        dc_seconds, dc_rss, output = stage(
            "datacompy", [python, str(DATACOMPY / "pair.py"), str(sources),
                          args.cycle], env)
        print(output.rstrip())
        print(f"  process {dc_seconds:.1f} s  peak RSS {dc_rss / 2**20:.0f} MiB")
        baselines.append(("datacompy", dc_seconds))
    if runs:
        print("\n| close | cycle | extract s | dbt s | quality s | reports s | total s "
              "| peak RSS MiB |")
        print("|---|---|---|---|---|---|---|---|")
        for k, (cycle, figures) in enumerate(runs):
            cells = " | ".join(f"{s:.1f}" for _, s, _ in figures)
            total = sum(s for _, s, _ in figures)
            peak = max(r for _, _, r in figures) / 2**20
            print(f"| {'cold' if k == 0 else 'warm'} {k + 1} | {cycle} | {cells} | {total:.1f} "
                  f"| {peak:.0f} |")
        totals = [sum(s for _, s, _ in figures) for _, figures in runs]
        if len(runs) > 1:
            print(f"last close / first close: {totals[-1] / totals[0]:.2f} "
                  f"(last warm / first warm: {totals[-1] / totals[min(1, len(totals) - 1)]:.2f})")
        for name, base in baselines:
            print(f"cold run / {name}: {totals[0] / base:6.1f}   "
                  f"last warm run / {name}: {totals[-1] / base:6.1f}")

if __name__ == "__main__":
    main()
