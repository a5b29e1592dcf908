"""The cycle's figures: summary.json, headline metadata, the largest findings as Markdown."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from recon_pipeline.lib.money import exponent
from recon_pipeline.lib.reports.schema import CATEGORIES, LEAKAGE_CATEGORIES, RECONS

Row = dict[str, Any]
_CENT = Decimal("0.01")


def money_text(value: Decimal | None, currency: str | None = None,
               places: int | None = None) -> str:
    """Exact text of an amount: the currency's decimal places, more only if the value has them."""
    if value is None:
        return ""
    if places is None:
        places = exponent(currency) if currency else 2
    quantum = Decimal(1).scaleb(-places)
    return f"{value.quantize(quantum) if value == value.quantize(quantum) else value:f}"


def largest_first(rows: list[Row]) -> list[Row]:
    """Findings by leakage in the reporting currency, then by size of difference, then by id.

    Differences are in each finding's own currency: without rates they order only roughly.
    """
    def key(r: Row) -> tuple[Decimal, Decimal, str]:
        leak = r.get("leakage_amount_reporting") or Decimal(0)
        return -leak, -abs(r.get("difference") or Decimal(0)), str(r.get("exception_id", ""))
    return sorted(rows, key=key)


def flagged_objects(rows: list[Row]) -> dict[str, int]:
    """Recon -> number of distinct objects (object_id, period_start) with a finding."""
    flagged: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in rows:
        flagged[r["recon"]].add((r["object_id"], str(r["period_start"])))
    return {recon: len(flagged[recon]) for recon in RECONS}


def match_rates(rows: list[Row], objects_checked: Mapping[str, int]) -> dict[str, float | None]:
    """Recon -> fraction of its objects checked that have no finding (None if none checked)."""
    flagged = flagged_objects(rows)
    rates: dict[str, float | None] = {}
    for recon in [*RECONS, *sorted(set(objects_checked) - set(RECONS))]:
        checked = objects_checked.get(recon, 0)
        if checked <= 0:
            rates[recon] = None
            continue
        clean = max(0, checked - flagged.get(recon, 0))
        rates[recon] = float((Decimal(clean) / Decimal(checked)).quantize(Decimal("0.000001")))
    return rates


def summarize(mismatches: pa.Table, *, cycle: str, reporting_currency: str,
              rows_read: Mapping[str, int], rows_quarantined: Mapping[str, int],
              objects_checked: Mapping[str, int], provisional: bool,
              generated_at: datetime,
              validation: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """summary.json: the keys of docs/outputs.md and a few more; money as decimal strings.

    ``status`` is ``provisional`` for an intra-cycle run, ``not_passing`` when a blocking
    expectation failed (or none were validated), else ``final``; ``expectations`` lists every
    suite's outcome: ``{suite, asset, success, evaluated, unexpected, ...}``.
    """
    rows = mismatches.to_pylist()
    by_category = Counter(r["category"] for r in rows)
    leak_cat: dict[str, Decimal] = {c: Decimal(0) for c in sorted(LEAKAGE_CATEGORIES)}
    leak_entity: dict[str, Decimal] = defaultdict(Decimal)
    amounts: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    stake_cat: dict[str, Decimal] = {c: Decimal(0) for cs in CATEGORIES.values() for c in cs}
    stake_recon: dict[str, Decimal] = {r: Decimal(0) for r in RECONS}
    stake_entity: dict[str, Decimal] = defaultdict(Decimal)
    unconverted = 0
    for r in rows:
        stake = r.get("difference_reporting")
        if stake is not None:
            stake_cat[r["category"]] += stake
            stake_recon[r["recon"]] += stake
            stake_entity[r["legal_entity"] or "unknown"] += stake
        elif r["difference"] or r["expected_amount"] or r["actual_amount"]:
            unconverted += 1  # an amount with no rate to the reporting currency
        if r["leakage_amount_reporting"] is not None:
            leak_cat[r["category"]] += r["leakage_amount_reporting"]
            leak_entity[r["legal_entity"] or "unknown"] += r["leakage_amount_reporting"]
        if r["difference"] is not None and r["currency"]:
            amounts[r["category"]][r["currency"].upper()] += abs(r["difference"])
    total = sum(leak_cat.values(), Decimal(0))
    expectations = [{k: v for k, v in suite.items() if k not in ("expectations", "seconds")}
                    for suite in (validation or {}).get("suites", [])]
    passing = bool(validation and validation.get("passing"))
    status = "provisional" if provisional else "final" if passing else "not_passing"
    summary = {
        "cycle": cycle,
        "reporting_currency": reporting_currency.upper(),
        "provisional": provisional,
        "status": status,
        "final": status == "final",
        "generated_at": generated_at.isoformat(),
        "findings_total": len(rows),
        "findings_by_category": {c: by_category.get(c, 0) for cs in CATEGORIES.values()
                                 for c in cs},
        "findings_by_recon": {r: sum(by_category.get(c, 0) for c in cs)
                              for r, cs in CATEGORIES.items()},
        "findings_by_severity": dict(sorted(Counter(r["severity"] for r in rows).items())),
        "findings_by_status": {s: sum(r["status"] == s for r in rows)
                               for s in ("new", "recurring")},
        "new_by_category": dict(sorted(Counter(r["category"] for r in rows
                                               if r["status"] == "new").items())),
        "leakage_total_reporting": money_text(total, places=2),
        "leakage_by_category": {c: money_text(v, places=2) for c, v in leak_cat.items()},
        "leakage_by_legal_entity": {e: money_text(v, places=2)
                                    for e, v in sorted(leak_entity.items())},
        # The money at stake: every finding's |difference| in the reporting currency
        # (difference_reporting), beside leakage (revenue never billed, a part of it).
        "at_stake_total_reporting": money_text(sum(stake_cat.values(), Decimal(0)), places=2),
        "at_stake_by_category": {c: money_text(v, places=2) for c, v in stake_cat.items()},
        "at_stake_by_recon": {r: money_text(v, places=2) for r, v in stake_recon.items()},
        "at_stake_by_legal_entity": {e: money_text(v, places=2)
                                     for e, v in sorted(stake_entity.items())},
        "at_stake_unconverted": unconverted,
        # Findings in categories that keep the close from being final (the registry's flag).
        "blocking_findings": sum(bool(r.get("blocking")) for r in rows),
        "blocking_by_category": dict(sorted(Counter(
            r["category"] for r in rows if r.get("blocking")).items())),
        "abs_difference_by_category": {
            c: {cur: money_text(v, cur) for cur, v in sorted(amounts[c].items())}
            for c in sorted(amounts)},
        "match_rate": match_rates(rows, objects_checked),
        "objects_checked": dict(sorted(objects_checked.items())),
        "objects_with_findings": flagged_objects(rows),
        "rows_read": dict(sorted(rows_read.items())),
        "rows_quarantined": {s: rows_quarantined.get(s, 0)
                             for s in sorted(set(rows_read) | set(rows_quarantined))},
        "expectations_passing": passing if validation else None,
        "expectations": expectations,
    }
    # The status in plain words (the page's banner, the workbook, the terminal).
    summary["status_text"] = close_status(summary)
    return summary


def close_status(summary: Mapping[str, Any]) -> str:
    """Where the close stands, in plain words, said the same way on the page, in the workbook
    and in the Dagster UI: ``Final: ...``, ``Not final: 17 findings in categories that must be
    cleared before the close`` (and any other blocking check that failed), or provisional."""
    if summary["status"] == "provisional":
        return ("Provisional: an intra-cycle run; its findings are not in the exception ledger "
                "and may change before the close")
    if summary["status"] == "final":
        return "Final: no finding or check keeps the close from being final"
    reasons = []
    blocking = summary.get("blocking_findings", 0)
    if blocking:
        reasons.append(f"{blocking:,} finding{'s' if blocking != 1 else ''} in categories that "
                       "must be cleared before the close")
    # A key exported more than once with different content: the table, the key, how many.
    conflicts = [(e, c) for e in summary.get("expectations", [])
                 for c in e.get("conflicting_keys", []) if c.get("blocking")]
    for e, c in conflicts:
        key = c["key"][0] if len(c["key"]) == 1 else f"({', '.join(c['key'])})"
        reasons.append(
            f"conflicting copies in {e.get('asset') or e.get('suite')}: {c['keys']:,} {key} "
            f"exported more than once with different content ({c['rows']:,} rows; check "
            f"{c['check'].replace('_', ' ')})")
    named = {(e.get("suite"), c["check"]) for e, c in conflicts}
    failed = sorted({c for e in summary.get("expectations", [])
                     for c in e.get("blocking_failed", [])
                     if c != "no_blocking_findings" and (e.get("suite"), c) not in named})
    if failed:
        reasons.append(f"{len(failed)} blocking check{'s' if len(failed) != 1 else ''} failed "
                       f"({', '.join(name.replace('_', ' ') for name in failed)})")
    if not summary.get("expectations"):
        reasons.append("the checks of the close were not run for this cycle")
    if not reasons:
        reasons.append("a blocking check failed")
    return "Not final: " + "; ".join(reasons)


def headline_figures(summary: Mapping[str, Any]) -> dict[str, int | float | str]:
    """A few figures for Dagster asset metadata, from a summary (see ``summarize``)."""
    rates = [v for v in summary["match_rate"].values() if v is not None]
    return {
        "cycle": summary["cycle"],
        "findings": summary["findings_total"],
        "errors": summary["findings_by_severity"].get("error", 0),
        "new": summary["findings_by_status"]["new"],
        "recurring": summary["findings_by_status"]["recurring"],
        "leakage_total_reporting": (f"{summary['leakage_total_reporting']} "
                                    f"{summary['reporting_currency']}"),
        "at_stake_total_reporting": (f"{summary['at_stake_total_reporting']} "
                                     f"{summary['reporting_currency']}"),
        "blocking_findings": summary["blocking_findings"],
        "lowest_match_rate": min(rates) if rates else 1.0,
        "rows_quarantined": sum(summary["rows_quarantined"].values()),
        "provisional": str(summary["provisional"]).lower(),
        "status": summary["status"],
        "close_status": summary["status_text"],
        # Plottable over partitions in the UI: leakage as an integer of minor units (exact),
        # each recon's match rate.
        "leakage_reporting_minor": int(Decimal(summary["leakage_total_reporting"]).scaleb(
            exponent(summary["reporting_currency"]))),
        **{f"match_rate_{recon}": rate for recon, rate in summary["match_rate"].items()
           if rate is not None},
    }


def _cell(value: object) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def markdown_preview(findings: pa.Table, n: int = 10) -> str:
    """The ``n`` largest findings as a Markdown table (for Dagster's Markdown metadata)."""
    rows = largest_first(findings.to_pylist())
    if not rows:
        return "_No findings._"
    head = ["exception_id", "category", "object_id", "currency", "difference",
            "leakage (reporting)", "detail"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 4 + "---:|---:|---|"]
    for r in rows[:n]:
        lines.append("| " + " | ".join(_cell(v) for v in [
            r.get("exception_id", ""), r["category"], r["object_id"],
            (r["currency"] or "").upper(), money_text(r["difference"], r["currency"]),
            money_text(r["leakage_amount_reporting"], places=2), r["detail"]]) + " |")
    if len(rows) > n:
        lines.append(f"\n_{len(rows) - n} more of {len(rows)} findings._")
    return "\n".join(lines)


#: The posting delays' columns in summary.json, in order (marts.fct_posting_delays).
DELAY_KEYS = ("legal_entity_id", "document_type", "documents_posted", "median_days", "p95_days",
              "max_days")


def posting_delays(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The cycle's posting delays per legal entity for summary.json: whole days (nearest-rank
    median and 95th percentile, maximum) from an invoice's finalization to its INVOICE journal
    and from a charge to its PAYMENT journal, ordered by entity then document type."""
    out = [{k: r.get(k) for k in DELAY_KEYS} for r in rows]
    return sorted(out, key=lambda r: (r["legal_entity_id"] or "", r["document_type"]))
