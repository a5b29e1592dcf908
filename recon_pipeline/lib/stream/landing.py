"""Landing: the log's events into the raw zone, in small batches, each exactly once.

A batch is read from the landing's position in the log (``reader.read``) and goes through the
batch readers themselves (:class:`~recon_pipeline.lib.extract.jsonl.JsonReader`, the same specs,
typed schemas and quarantine reasons as the exports): a Stripe event's ``data.object`` is a
line of its object's export, a usage CloudEvent a line of ``usage/``. What a batch writes:

- ``OUT/raw/_stream/<source>/<table>/<batch>.parquet``: the typed rows, plus ``_event_key`` and
  ``_as_of`` (the Stripe event's ``created``; a usage event's ``time``), ``_file`` =
  ``stream/<batch>`` and ``_line`` = the event's place in the batch;
- ``OUT/raw/_stream/quarantine/<batch>.parquet``: events that cannot be read, with the event's
  key in the reason, never dropped;
- ``OUT/raw/_stream/landing.sqlite``: in ONE transaction, after the Parquet files are fsync'd,
  the batch, the keys it landed and the new position.

A crash anywhere leaves either a committed batch or files of an uncommitted one, which the next
landing deletes before it starts: every event lands exactly once. A key already landed (a
redelivery beyond the store's own de-duplication window) is counted, not landed again.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from recon_pipeline.lib.atomic import remove_stale_temps
from recon_pipeline.lib.extract import billing, payments, usage
from recon_pipeline.lib.extract.jsonl import JsonReader
from recon_pipeline.lib.extract.lines import line_chunk
from recon_pipeline.lib.extract.schemas import QUARANTINE, SCHEMAS
from recon_pipeline.lib.extract.sink import write_table
from recon_pipeline.lib.extract.spec import Spec
from recon_pipeline.lib.extract.sqlkit import connect
from recon_pipeline.lib.stream import reader
from recon_pipeline.lib.stream.config import MAX_CREATED_S, StreamConfig
from recon_pipeline.lib.stream.events import USAGE
from recon_pipeline.lib.stream.log import Entry

LANDING = "_stream"
BATCH_EVENTS = 20_000
#: Stripe event types that update their objects (their prefixes), and the object types.
STRIPE_PREFIXES = ("charge.", "refund.", "payout.", "invoice.", "invoice_payment.",
                   "customer.", "credit_note.", "balance_transaction.")
STRIPE_OBJECTS: dict[str, Spec] = {
    "charge": payments.CHARGES, "refund": payments.REFUNDS, "payout": payments.PAYOUTS,
    "invoice_payment": payments.INVOICE_PAYMENTS,
    "balance_transaction": payments.BALANCE_TRANSACTIONS,
    "invoice": billing.INVOICES, "customer": billing.CUSTOMERS,
    "subscription": billing.SUBSCRIPTIONS, "credit_note": billing.CREDIT_NOTES,
}
SPECS: dict[str, Spec] = {f"{s.source}/{s.table}": s
                          for s in (*STRIPE_OBJECTS.values(), usage.EVENTS)}
EXTRA = [pa.field("_event_key", pa.string()), pa.field("_as_of", pa.timestamp("ms", tz="UTC"))]
STREAM_QUARANTINE = pa.schema([*QUARANTINE, pa.field("object", pa.string()),
                               pa.field("_event_key", pa.string()),
                               pa.field("_as_of", pa.timestamp("ms", tz="UTC"))])


def landing_dir(out_dir: Path) -> Path:
    """``OUT/raw/_stream``."""
    return out_dir / "raw" / LANDING


def landed_schema(source: str, table: str) -> pa.Schema:
    """A raw table's schema with the stream's two columns."""
    return pa.schema([*SCHEMAS[(source, table)], *EXTRA])


@dataclass
class BatchReport:
    """What one landing call did."""

    batch: str | None = None
    events: int = 0
    landed: int = 0
    duplicates: int = 0
    quarantined: int = 0
    ignored: int = 0
    cycles: set[str] = field(default_factory=set)
    position: int = 0
    newest_received_ms: int | None = None
    seconds: float = 0.0


@contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """One landing at a time (the sensor and ``recon run`` may both land)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def state(folder: Path) -> Iterator[sqlite3.Connection]:
    """The landing's state database (created on first use)."""
    folder.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(folder / "landing.sqlite", isolation_level=None)) as db:
        db.execute("PRAGMA synchronous = FULL")
        db.executescript("""
            CREATE TABLE IF NOT EXISTS position (store TEXT PRIMARY KEY, next INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS batches (batch TEXT PRIMARY KEY, store TEXT, first INTEGER,
                next INTEGER, events INTEGER, landed INTEGER, duplicates INTEGER,
                quarantined INTEGER, ignored INTEGER, cycles TEXT, landed_at REAL);
            CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, batch TEXT NOT NULL);
        """)
        yield db


def store_id(config: StreamConfig) -> str:
    """Which log a position belongs to."""
    if config.nats_url:
        return f"jetstream:{config.nats_stream}"
    return f"local:{config.stream_dir}"


def position(config: StreamConfig, out_dir: Path) -> int:
    """Where the next landing starts."""
    with state(landing_dir(out_dir)) as db:
        row = db.execute("SELECT next FROM position WHERE store = ?",
                         (store_id(config),)).fetchone()
    return int(row[0]) if row else reader.start_position(config)


def totals(out_dir: Path) -> dict[str, int]:
    """Events landed, duplicates absorbed, quarantined and ignored, over every batch."""
    with state(landing_dir(out_dir)) as db:
        row = db.execute("SELECT count(*), coalesce(sum(events), 0), coalesce(sum(landed), 0), "
                         "coalesce(sum(duplicates), 0), coalesce(sum(quarantined), 0), "
                         "coalesce(sum(ignored), 0) FROM batches").fetchone()
    return dict(zip(("batches", "events", "landed", "duplicates", "quarantined", "ignored"),
                    (int(v) for v in row), strict=True))


def _discard_uncommitted(folder: Path, db: sqlite3.Connection) -> None:
    committed = {row[0] for row in db.execute("SELECT batch FROM batches")}
    for path in folder.glob("*/*/*.parquet"):
        if path.stem not in committed:
            path.unlink()
    for path in folder.glob("quarantine/*.parquet"):
        if path.stem not in committed:
            path.unlink()
    remove_stale_temps(folder)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _cycles(at: pa.Array) -> set[str]:
    """The months (cycles) of the timestamps ``at``."""
    months = pc.unique(pc.floor_temporal(at.drop_null(), unit="month"))
    return {m for m in pc.strftime(months, "%Y-%m").to_pylist() if m}


@dataclass
class _Lines:
    """The lines (JSON, as bytes) of one spec in a batch, each with its event key and as-of
    time (none for usage events: their own ``time`` is read with the rest)."""

    spec: Spec
    lines: list[bytes] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    as_of: list[int | None] = field(default_factory=list)


def _route(entries: list[Entry], report: BatchReport
           ) -> tuple[dict[str, _Lines], list[dict[str, object]]]:
    """Each new event's line into its spec; events that cannot even be routed, as quarantine.

    A usage event's body is its line as it is (the receiver checked it is a CloudEvent): the
    bodies go to the reader as one Arrow array, with no per-event decoding here.
    """
    routed: dict[str, _Lines] = {}
    bad: list[dict[str, object]] = []
    usage_lines = _Lines(usage.EVENTS)
    for entry in entries:
        record = entry.record
        if record.kind == USAGE:
            usage_lines.lines.append(record.body)
            usage_lines.keys.append(record.key)
            continue
        try:
            event = orjson.loads(record.body)
        except orjson.JSONDecodeError:
            event = None
        if not isinstance(event, dict):
            bad.append({"key": record.key, "record": record.body.decode(errors="replace"),
                        "reason": "event is not a JSON object", "as_of": record.received_ms})
            continue
        kind = str(event.get("type", ""))
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        created = event.get("created")
        as_of = created * 1000 if isinstance(created, int) else None
        spec = STRIPE_OBJECTS.get(str(obj.get("object"))) if isinstance(obj, dict) else None
        if not kind.startswith(STRIPE_PREFIXES) or spec is None:
            report.ignored += 1  # kept in the log; not an object the pipeline reads
            continue
        if isinstance(created, int) and not 0 <= created <= MAX_CREATED_S:
            # (the receiver refuses these; a log written before it did may hold one): its
            # milliseconds do not fit the int64 _as_of, and one such event stopped every batch
            bad.append({"key": record.key, "record": record.body.decode(errors="replace"),
                        "reason": f"created time {created} out of range",
                        "as_of": record.received_ms})
            continue
        try:
            line = orjson.dumps(obj)
        except orjson.JSONEncodeError:  # deeper than orjson writes: the same, quarantined
            bad.append({"key": record.key, "record": record.body.decode(errors="replace"),
                        "reason": "object nested too deeply", "as_of": record.received_ms})
            continue
        name = f"{spec.source}/{spec.table}"
        lines = routed.get(name)
        if lines is None:
            lines = routed[name] = _Lines(SPECS[name])
        lines.lines.append(line)
        lines.keys.append(record.key)
        lines.as_of.append(as_of)
    if usage_lines.lines:
        usage_lines.as_of = [None] * len(usage_lines.lines)
        routed["usage/events"] = usage_lines
    return routed, bad


def _read(con: duckdb.DuckDBPyConnection, lines: _Lines, batch: str
          ) -> tuple[dict[str, pa.Table], pa.Table]:
    """The batch readers over ``lines``: typed tables and quarantine, with the stream columns."""
    spec = lines.spec
    # One Arrow array of the batch's lines; a line that is not UTF-8 is quarantined by the
    # reader ("invalid UTF-8", with its event key below), never dropped.
    chunk = line_chunk(pa.array(lines.lines, pa.large_binary()))
    result = JsonReader(spec).chunk(con, chunk, f"stream/{batch}")
    keys = pa.array(lines.keys, pa.string())
    as_of = pa.array(lines.as_of, pa.int64()).cast(pa.timestamp("ms", tz="UTC"))
    tables = {}
    for table, rows in result.tables.items():
        index = pc.subtract(rows.column("_line").cast(pa.int64()), 1)
        at = (rows.column("event_at").cast(EXTRA[1].type) if spec is usage.EVENTS
              else as_of.take(index))
        tables[table] = rows.append_column(EXTRA[0], keys.take(index)).append_column(
            EXTRA[1], at)
    bad = result.quarantine
    index = pc.subtract(bad.column("line").cast(pa.int64()), 1)
    bad_keys = keys.take(index)
    reasons = [f"event {k}: {r}" for k, r in zip(bad_keys.to_pylist(),
                                                 bad.column("reason").to_pylist(), strict=True)]
    bad = bad.set_column(bad.schema.get_field_index("reason"), "reason",
                         pa.array(reasons, pa.string()))
    bad = bad.append_column("object", pa.array([f"{spec.source}/{spec.table}"] * bad.num_rows,
                                               pa.string()))
    bad = bad.append_column(EXTRA[0], bad_keys).append_column(EXTRA[1], as_of.take(index))
    return tables, bad.cast(STREAM_QUARANTINE)


def land(config: StreamConfig, out_dir: Path, limit: int = BATCH_EVENTS,
         con: duckdb.DuckDBPyConnection | None = None) -> BatchReport:
    """Land the next batch (up to ``limit`` events); an empty report when none is waiting.

    ``con``: the DuckDB connection the batch readers use (one of its own when not given).
    """
    started = time.perf_counter()
    folder = landing_dir(out_dir)
    store = store_id(config)
    report = BatchReport()
    with exclusive(folder), state(folder) as db:
        _discard_uncommitted(folder, db)
        row = db.execute("SELECT next FROM position WHERE store = ?", (store,)).fetchone()
        first = int(row[0]) if row else reader.start_position(config)
        entries, nxt = reader.read(config, first, limit)
        report.position = first
        if not entries:
            return report
        batch = f"{store.split(':', 1)[0]}-{first:020d}"
        report.batch, report.events, report.position = batch, len(entries), nxt
        report.newest_received_ms = max(e.record.received_ms for e in entries)
        fresh = _new_entries(db, entries)
        report.duplicates = len(entries) - len(fresh)
        routed, unroutable = _route(fresh, report)
        written: list[Path] = []
        quarantine: list[pa.Table] = []
        if routed:
            own = con is None
            db_con = connect() if con is None else con
            try:
                for lines in routed.values():
                    if lines.spec is not usage.EVENTS:
                        report.cycles |= _cycles(pa.array(lines.as_of, pa.int64()).cast(
                            EXTRA[1].type))
                    tables, bad = _read(db_con, lines, batch)
                    for table, rows in tables.items():
                        if rows.num_rows:
                            path = folder / lines.spec.source / table / f"{batch}.parquet"
                            write_table(path, rows.cast(landed_schema(lines.spec.source, table)))
                            written.append(path)
                    if lines.spec.table in tables:
                        report.landed += tables[lines.spec.table].num_rows
                    if lines.spec is usage.EVENTS and lines.spec.table in tables:
                        report.cycles |= _cycles(tables["events"].column("_as_of"))
                    quarantine.append(bad)
            finally:
                if own:
                    db_con.close()
        if unroutable:
            quarantine.append(pa.table({
                "source": ["stream"] * len(unroutable), "file": [f"stream/{batch}"] * len(
                    unroutable), "line": [0] * len(unroutable),
                "record": [b["record"] for b in unroutable],
                "reason": [f"event {b['key']}: {b['reason']}" for b in unroutable],
                "object": [None] * len(unroutable), "_event_key": [b["key"] for b in unroutable],
                "_as_of": [b["as_of"] for b in unroutable]}).cast(STREAM_QUARANTINE))
        bad_rows = pa.concat_tables(quarantine) if quarantine else None
        if bad_rows is not None and bad_rows.num_rows:
            path = folder / "quarantine" / f"{batch}.parquet"
            write_table(path, bad_rows)
            written.append(path)
            report.quarantined = bad_rows.num_rows
        for path in written:
            _fsync(path)
        for path in {p.parent for p in written}:
            _fsync(path)
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT OR IGNORE INTO keys VALUES (?, ?)",
                       ((e.record.key, batch) for e in fresh))
        db.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (batch, store, first, nxt, report.events, report.landed, report.duplicates,
                    report.quarantined, report.ignored, ",".join(sorted(report.cycles)),
                    time.time()))
        db.execute("INSERT INTO position VALUES (?, ?) ON CONFLICT (store) DO UPDATE SET "
                   "next = excluded.next", (store, nxt))
        db.execute("COMMIT")
    report.seconds = time.perf_counter() - started
    return report


def _new_entries(db: sqlite3.Connection, entries: list[Entry]) -> list[Entry]:
    """The entries whose key has not landed before (the first of a key within the batch)."""
    keys = [e.record.key for e in entries]
    seen = {row[0] for row in db.execute(
        "SELECT key FROM keys WHERE key IN (SELECT value FROM json_each(?))",
        (orjson.dumps(keys).decode(),))}
    fresh = []
    for key, entry in zip(keys, entries, strict=True):
        if key not in seen:
            seen.add(key)
            fresh.append(entry)
    return fresh


def land_all(config: StreamConfig, out_dir: Path, limit: int = BATCH_EVENTS,
             max_batches: int | None = None) -> list[BatchReport]:
    """Land batches until the log is drained (or ``max_batches`` were landed)."""
    reports: list[BatchReport] = []
    con = connect()  # one DuckDB connection for every batch
    try:
        while max_batches is None or len(reports) < max_batches:
            report = land(config, out_dir, limit, con)
            if not report.events:
                break
            reports.append(report)
    finally:
        con.close()
    return reports


def quarantined_by(out_dir: Path, batches: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Events quarantined by the ``batches``, per customer and per legal entity.

    The customer is a usage event's ``subject`` or a Stripe object's ``customer`` (a customer
    object's own id); its legal entity comes from the newest cycle's raw billing customers.
    """
    folder = landing_dir(out_dir)
    customers: dict[str, int] = {}
    for batch in batches:
        path = folder / "quarantine" / f"{batch}.parquet"
        if not path.is_file():
            continue
        import pyarrow.parquet as pq

        for row in pq.read_table(path, columns=["record", "object"]).to_pylist():
            who = _customer_of(row["record"], row["object"])
            customers[who] = customers.get(who, 0) + 1
    entities: dict[str, int] = {}
    if customers:
        lookup = _legal_entities(out_dir)
        for who, count in customers.items():
            entity = lookup.get(who, "unknown")
            entities[entity] = entities.get(entity, 0) + count
    return customers, entities


def _customer_of(record: str, obj: str | None) -> str:
    try:
        data = orjson.loads(record)
    except orjson.JSONDecodeError:
        return "unknown"
    if not isinstance(data, dict):
        return "unknown"
    if obj == "usage/events":
        who = data.get("subject")
    elif obj == "billing/customers":
        who = data.get("id")
    else:
        who = data.get("customer")
        who = who.get("id") if isinstance(who, dict) else who
    return who if isinstance(who, str) and who else "unknown"


def _legal_entities(out_dir: Path) -> dict[str, str]:
    raw = out_dir / "raw"
    cycles = sorted(p.name for p in raw.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]")
                    if (p / "billing" / "customers.parquet").is_file())
    if not cycles:
        return {}
    import pyarrow.parquet as pq

    table = pq.read_table(raw / cycles[-1] / "billing" / "customers.parquet",
                          columns=["customer_id", "legal_entity"])
    return {c: e for c, e in zip(table.column("customer_id").to_pylist(),
                                 table.column("legal_entity").to_pylist(), strict=True)
            if c and e}
