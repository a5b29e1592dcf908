"""Entry point of the generator: arguments, the customer loop, payouts, truth, atomic output."""

from __future__ import annotations

import json
import math
import random
import resource
import shutil
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from recon_pipeline.generate import malformed, render
from recon_pipeline.generate.catalog import ENTITIES, ENTITY_BY_CODE, PRICES
from recon_pipeline.generate.context import Context, PayoutBook
from recon_pipeline.generate.ledger import post_world
from recon_pipeline.generate.model import Journal, World, current_period
from recon_pipeline.generate.outputs import Outputs
from recon_pipeline.generate.plans import random_plan
from recon_pipeline.generate.plants import (
    Special,
    after_posting,
    before_posting,
    special_plan,
    specials,
)
from recon_pipeline.generate.simulate import Simulation
from recon_pipeline.generate.truth import Expected, Truth
from recon_pipeline.lib.cycles import (
    cycle_end,
    cycle_of,
    cycle_range,
    cycle_start,
    date_ts,
    day_of,
    days,
    shift_cycle,
)

#: Ordinary customers at scale 1.
BASE_CUSTOMERS = 400


@dataclass(frozen=True)
class GenerateStats:
    """What one generation wrote: counts per object kind, bytes, seconds, peak memory."""

    out: Path
    cycles: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    bytes_written: int = 0
    seconds: float = 0.0
    peak_rss_bytes: int = 0


def generate(
    out: Path,
    *,
    seed: int = 7,
    scale: float = 1.0,
    cycles: tuple[str, str] = ("2026-08", "2026-10"),
    history_months: int = 2,
    clean: bool = False,
) -> GenerateStats:
    """Write a sources directory for ``cycles`` (inclusive, ``YYYY-MM``) under ``out``.

    The truth of what was planted goes under ``out/_truth/``. The same arguments always give
    byte-identical files. The directory is written beside ``out`` and renamed into place, so a
    killed generation leaves no half-written sources behind. ``clean`` plants nothing: no
    mismatch, no trap, no malformed row (a cycle on which every check must pass).
    """
    started = time.monotonic()
    months = cycle_range(*cycles)
    if scale <= 0:
        raise ValueError("scale must be positive")
    out = Path(out)
    staging = out.with_name(out.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    business_start = cycle_start(shift_cycle(months[0], -max(history_months, 0)))
    export_at = cycle_end(months[-1]) + days(3)
    ctx = Context(seed=seed, business_start=business_start, export_at=export_at, cycles=months,
                  payouts=PayoutBook(seed, export_at))
    truth = Truth()
    fx = fx_rates(seed, business_start - days(10), export_at)
    outputs = Outputs(staging, ctx, ENTITIES)
    outputs.catalog(PRICES, business_start - days(365))
    outputs.reference(fx)

    multiplier = max(1, round(math.sqrt(scale)))
    special_list = [] if clean else specials(months, multiplier)
    n_regular = max(1, round(BASE_CUSTOMERS * scale))
    total = n_regular + len(special_list)
    slots = {(j * total) // len(special_list) + 1: sp for j, sp in enumerate(special_list)} \
        if special_list else {}
    bad_rows = {} if clean else malformed.schedule(total)
    regular = 0
    for index in range(total):
        sp = slots.get(index)
        if sp is None:
            rng = random.Random(f"{seed}/customer/{regular}")
            regular += 1
            plan = random_plan(rng, business_start, export_at)
        else:
            rng = random.Random(f"{seed}/special/{sp.kind}/{sp.name}/{sp.cycle}/{sp.variant}")
            plan = special_plan(sp, rng, ctx)
        sim = Simulation(ctx, rng, plan, index)
        world = sim.run()
        if sp is not None:
            before_posting(sp, world, sim, ctx, truth)
        post_world(ctx, world)
        if sp is not None:
            after_posting(sp, world, sim, ctx, truth)
        outputs.world(world, rng)
        for kind in bad_rows.get(index, ()):
            malformed.write(kind, outputs, rng, truth)
    payouts(ctx, outputs, truth, months, seed, plant=not clean)
    outputs.close()
    truth.write(staging / "_truth", fx)
    counts = outputs.counts()
    manifest = {"seed": seed, "scale": scale, "cycles": months,
                "history_months": history_months, "clean": clean,
                "business_start": day_of(business_start).isoformat(),
                "export_at": day_of(export_at).isoformat(), "reporting_currency": "USD",
                "counts": counts}
    (staging / "_truth" / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    written = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return GenerateStats(out=out, cycles=tuple(months), counts=counts, bytes_written=written,
                         seconds=time.monotonic() - started, peak_rss_bytes=peak)


def fx_rates(seed: int, start: int, end: int) -> dict[tuple[date, str], Decimal]:
    """Business-day rates to USD, a gentle random walk per currency (none at weekends)."""
    rng = random.Random(f"{seed}/fx")
    level = {"EUR": Decimal("1.0850"), "GBP": Decimal("1.2700"), "JPY": Decimal("0.006700")}
    places = {"EUR": Decimal("0.000001"), "GBP": Decimal("0.000001"), "JPY": Decimal("1e-8")}
    rates: dict[tuple[date, str], Decimal] = {}
    day = day_of(start)
    while date_ts(day) < end:
        if day.weekday() < 5:
            rates[(day, "USD")] = Decimal("1")
            for cur in sorted(level):
                step = Decimal(rng.randint(-300, 300)) / Decimal(100000)
                level[cur] = (level[cur] * (1 + step)).quantize(places[cur])
                rates[(day, cur)] = level[cur]
        day += timedelta(days=1)
    return rates


def payouts(ctx: Context, outputs: Outputs, truth: Truth, months: list[str], seed: int,
            *, plant: bool = True) -> None:
    """Write the payouts the balance transactions named, their journals, and payout plants."""
    rng = random.Random(f"{seed}/payouts")
    book = ctx.payouts
    paid_by_cycle: dict[str, list[tuple[str, int]]] = {}
    records = []
    for (entity_code, day), net in sorted(book.nets.items()):
        po = book.payout_id(entity_code, day)
        arrival = day + days(2)
        status = "paid" if arrival <= ctx.export_at and net > 0 else (
            "in_transit" if net > 0 else "canceled")
        records.append((po, entity_code, day, arrival, net, status))
        if status == "paid":
            paid_by_cycle.setdefault(cycle_of(arrival), []).append((po, net))
    settlement: dict[str, int] = {}
    posting: dict[str, tuple[int, int]] = {}
    for cycle in months:
        candidates = sorted(paid_by_cycle.get(cycle, []))
        rng.shuffle(candidates)
        if plant and len(candidates) >= 3:
            po, _ = candidates[0]
            settlement[po] = 1234
            truth.add(Expected(cycle, "payout_settlement_mismatch", po,
                               note="payout amount differs from its transactions"))
            for v, (po, _) in enumerate(candidates[1:3]):
                posting[po] = (v, 2500)
                truth.add(Expected(cycle, "payout_posting_mismatch", po,
                                   note="not posted" if v == 0 else "posted amount differs"))
    for po, entity_code, day, arrival, net, status in records:
        entity = ENTITY_BY_CODE[entity_code]
        amount = net + settlement.get(po, 0)
        txn = "txn_" + po[3:]
        created = day + 6 * 3600
        outputs.payout(render.payout(po, amount, entity.currency, created, arrival, status, txn))
        outputs.balance_transaction(render.balance_transaction(
            txn, "payout", po, -amount, 0, entity.currency, created, created, po))
        if status != "paid":
            continue
        variant, delta = posting.get(po, (None, 0))
        if variant == 0:
            continue
        posted = amount + (delta if variant == 1 else 0)
        outputs.journal(Journal(ctx.journal_id(), entity_code, arrival, cycle_of(arrival),
                                "PAYOUT", po, entity.currency, None,
                                [("CASH", posted, 0), ("GATEWAY_CLEARING", 0, posted)]))


__all__ = ["GenerateStats", "Special", "World", "current_period", "generate"]
