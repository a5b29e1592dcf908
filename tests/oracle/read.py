"""Read a sources directory (docs/sources.md) into canonical records, quarantining unreadable rows.

Entry point: ``read_sources(root)``. Every row that cannot be read is kept in
``Sources.skipped`` with its source folder, file (relative to the root), 1-based line and reason,
so a test can compare it with the generator's malformed-row truth.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.oracle import stripe_objects as so
from tests.oracle.fields import (
    BAD_JSON,
    BAD_TIME,
    INVALID_UTF8,
    MISSING_FIELD,
    NEGATIVE_VALUE,
    NOT_AN_OBJECT,
    REASONS,
    UNREADABLE_FILE,
    RowError,
    opt_number,
    opt_str,
    req_str,
)
from tests.oracle.model import Skipped, Sources, UsageEvent
from tests.oracle.tabular import read_crm, read_ledger, read_reference

__all__ = ["REASONS", "read_sources"]

Obj = Mapping[str, Any]


def _reject_constant(name: str) -> Any:
    """NaN and Infinity are not JSON numbers."""
    raise ValueError(f"non-standard JSON constant {name}")


def _jsonl_files(root: Path, stem: str) -> list[Path]:
    """``stem.jsonl`` and ``stem.jsonl.gz`` (either or both) under root."""
    return [p for p in (root / f"{stem}.jsonl", root / f"{stem}.jsonl.gz") if p.is_file()]


def iter_jsonl(root: Path, path: Path, skipped: list[Skipped]) -> Iterator[tuple[int, Obj]]:
    """(line number, object) of every readable object; list pages yield their ``data``."""
    rel = path.relative_to(root).as_posix()
    source = rel.split("/", 1)[0]

    def skip(line: int, reason: str, detail: str) -> None:
        skipped.append(Skipped(source, rel, line, reason, detail))

    opener: Callable[..., Any] = gzip.open if path.name.endswith(".gz") else open
    number = 0
    try:
        with opener(path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                data = raw.rstrip(b"\r\n")
                if number == 1 and data.startswith(b"\xef\xbb\xbf"):
                    data = data[3:]
                if not data.strip():
                    # SPEC-AMBIGUITY: a blank line holds no row, so it is neither read nor
                    # quarantined.
                    continue
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    skip(number, INVALID_UTF8, str(exc))
                    continue
                try:
                    value = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
                except (ValueError, RecursionError) as exc:
                    skip(number, BAD_JSON, str(exc)[:200])
                    continue
                items = [value]
                if (
                    isinstance(value, Mapping)
                    and value.get("object") == "list"
                    and isinstance(value.get("data"), list)
                ):
                    items = value["data"]
                for item in items:
                    if isinstance(item, Mapping):
                        yield number, item
                    else:
                        skip(number, NOT_AN_OBJECT, type(item).__name__)
    except (OSError, EOFError) as exc:
        skip(number + 1, UNREADABLE_FILE, str(exc)[:200])


def _read_objects(
    root: Path, stem: str, parse: Callable[[Obj], Any], skipped: list[Skipped]
) -> Iterator[Any]:
    """Parsed records of one Stripe export; a row that fails to parse is quarantined."""
    for path in _jsonl_files(root, stem):
        rel = path.relative_to(root).as_posix()
        for number, obj in iter_jsonl(root, path, skipped):
            try:
                yield parse(obj)
            except RowError as exc:
                skipped.append(Skipped(rel.split("/")[0], rel, number, exc.reason, exc.detail))


def _read_stripe(root: Path, s: Sources) -> None:
    """Billing and payments exports. SPEC-AMBIGUITY: a repeated id keeps its last row."""
    q = s.skipped
    for c in _read_objects(root, "billing/customers", so.parse_customer, q):
        s.customers[c.id] = c
    for pid, name in _read_objects(root, "billing/products", so.parse_product, q):
        s.products[pid] = name
    for p in _read_objects(root, "billing/prices", so.parse_price, q):
        s.prices[p.id] = p
    for mid, event_name in _read_objects(root, "billing/meters", so.parse_meter, q):
        s.meters[mid] = event_name
    for sub in _read_objects(root, "billing/subscriptions", so.parse_subscription, q):
        s.subscriptions[sub.id] = sub
    for inv in _read_objects(root, "billing/invoices", so.parse_invoice, q):
        s.invoices[inv.id] = inv
    for cn in _read_objects(root, "billing/credit_notes", so.parse_credit_note, q):
        s.credit_notes[cn.id] = cn
    for ch in _read_objects(root, "payments/charges", so.parse_charge, q):
        s.charges[ch.id] = ch
    for re in _read_objects(root, "payments/refunds", so.parse_refund, q):
        s.refunds[re.id] = re
    for bt in _read_objects(root, "payments/balance_transactions", so.parse_balance_transaction, q):
        s.balance_transactions[bt.id] = bt
    for po in _read_objects(root, "payments/payouts", so.parse_payout, q):
        s.payouts[po.id] = po
    s.invoice_payments.extend(
        _read_objects(root, "payments/invoice_payments", so.parse_invoice_payment, q)
    )


def parse_usage_event(obj: Obj) -> UsageEvent:
    """A CloudEvent: untimed events and negative values cannot be read."""
    time_text = opt_str(obj, "time")
    if time_text is None:
        raise RowError(BAD_TIME, "time missing")
    try:
        moment = datetime.fromisoformat(time_text)
    except ValueError:
        raise RowError(BAD_TIME, f"time {time_text!r}") from None
    if moment.tzinfo is None:
        raise RowError(BAD_TIME, f"time without offset {time_text!r}")
    value = opt_number(obj, "data.value")
    if value is None:
        raise RowError(MISSING_FIELD, "data.value")
    if value < 0:
        raise RowError(NEGATIVE_VALUE, f"data.value {value}")
    return UsageEvent(
        source=req_str(obj, "source"),
        id=req_str(obj, "id"),
        type=req_str(obj, "type"),
        subject=req_str(obj, "subject"),
        time=moment,
        value=value,
        subscription_item=opt_str(obj, "data.subscription_item"),
    )


def _read_usage(root: Path, s: Sources) -> None:
    """Every usage file (recursively), in path order; a repeated (source, id) counts once."""
    folder = root / "usage"
    if not folder.is_dir():
        return
    # SPEC-AMBIGUITY: usage files are looked for in sub-folders of usage/ too.
    suffixes = (".jsonl", ".jsonl.gz")
    paths = [p for p in folder.rglob("*") if p.is_file() and p.name.endswith(suffixes)]
    seen: set[tuple[str, str]] = set()
    for path in sorted(paths, key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        for number, obj in iter_jsonl(root, path, s.skipped):
            try:
                event = parse_usage_event(obj)
            except RowError as exc:
                s.skipped.append(Skipped("usage", rel, number, exc.reason, exc.detail))
                continue
            key = (event.source, event.id)
            if key in seen:
                s.redeliveries += 1
                continue
            seen.add(key)
            s.usage_events.append(event)


def read_sources(root: Path) -> Sources:
    """Everything in the sources directory ``root``; unreadable rows go to ``skipped``."""
    root = Path(root)
    s = Sources()
    _read_stripe(root, s)
    read_ledger(root, s)
    _read_usage(root, s)
    read_crm(root, s)
    read_reference(root, s)
    return s
