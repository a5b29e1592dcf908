"""Cases of the usage_billing recon: metered periods against usage, orphans, exact decimals,
redeliveries and trials. Every expected finding is derived in the case's comments.

Metered periods here run 2026-10-01 → 2026-11-01 (cycle 2026-10: their last instant) and are
billed on an invoice finalized 2026-11-01T01:00, within the 3-day grace period. That invoice
is in 2026-11, so 2026-10 has no customer-master population and no posting to check."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.cases.builder import SourcesBuilder
from tests.cases.kit import Case, E, Expectation, expect, register, sub_line
from tests.cases.stripe_shapes import PriceSpec, Shape

CASES: list[Case] = []
case = register


def _metered(root: Path, shape: Shape, *, unit: str = "0.25", meter: str = "api_requests",
             customer: str = "cus_m", start: str = "2026-10-01", trial_end: str | None = None,
             ) -> tuple[SourcesBuilder, PriceSpec]:
    """cus_m with sub_m: one metered item si_m billing ``meter`` events at ``unit`` cents."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer(customer, name="Meter Ltd")
    price = b.price(PriceSpec("price_api", unit_amount_decimal=unit, usage_type="metered",
                              meter=meter))
    b.subscription("sub_m", customer=customer, start_date=start, trial_end=trial_end,
                   anchor=trial_end or start, items=[("si_m", "price_api", None)])
    return b, price


def _bill(b: SourcesBuilder, price: PriceSpec, *, quantity: int, amount: int,
          quantity_decimal: str | None = None) -> None:
    """The arrears invoice of October's usage, finalized 2026-11-01T01:00 and posted."""
    b.invoice("in_use", customer="cus_m", subscription="sub_m",
              finalized_at="2026-11-01T01:00",
              lines=[sub_line("il_use", amount, "2026-10-01", "2026-11-01", item="si_m",
                              sub="sub_m", price=price, quantity=quantity,
                              quantity_decimal=quantity_decimal)])
    b.post_invoice("in_use", f"{Decimal(amount) / 100:.2f}", "2026-11")


@case(CASES)
def unbilled_usage(root: Path, shape: Shape) -> Expectation:
    """Usage 1000 + 500 = 1500 api_requests (attached by the customer's one matching meter);
    billed quantity 1000 → 500 unbilled × 0.25 cents = 125 cents → leakage 1.25 USD."""
    b, price = _metered(root, shape)
    b.usage_event("ev1", type="api_requests", subject="cus_m", time="2026-10-05T10:00:00Z",
                  value=1000)
    b.usage_event("ev2", type="api_requests", subject="cus_m", time="2026-10-20T10:00:00Z",
                  value=500)
    _bill(b, price, quantity=1000, amount=250)
    b.write()
    return expect(c2026_10=[E("unbilled_usage", "si_m", "2026-10-01", "1.25", "1.25")])


@case(CASES)
def overbilled_usage(root: Path, shape: Shape) -> Expectation:
    """Usage 1500 (the second event names its item in data.subscription_item); billed 2000."""
    b, price = _metered(root, shape)
    b.usage_event("ev1", type="api_requests", subject="cus_m", time="2026-10-05T10:00:00Z",
                  value=1000)
    b.usage_event("ev2", type="api_requests", subject="cus_m", time="2026-10-20T10:00:00Z",
                  value=500, subscription_item="si_m")
    _bill(b, price, quantity=2000, amount=500)
    b.write()
    return expect(c2026_10=[E("overbilled_usage", "si_m", "2026-10-01")])


@case(CASES)
def usage_billed_after_grace(root: Path, shape: Shape) -> Expectation:
    """Usage 1000, billed in full but on an invoice finalized 2026-11-05, four days after the
    period's end: not a covering line → 0 billed → unbilled 1000 × 0.25 = 250 → 2.50."""
    b, price = _metered(root, shape)
    b.usage_event("ev1", type="api_requests", subject="cus_m", time="2026-10-05T10:00:00Z",
                  value=1000)
    b.invoice("in_late", customer="cus_m", subscription="sub_m", finalized_at="2026-11-05",
              lines=[sub_line("il_late", 250, "2026-10-01", "2026-11-01", item="si_m",
                              sub="sub_m", price=price, quantity=1000)])
    b.write()
    return expect(c2026_10=[E("unbilled_usage", "si_m", "2026-10-01", "2.50", "2.50")])


@case(CASES)
def orphan_usage(root: Path, shape: Shape) -> Expectation:
    """cus_o1 has no metered item: its storage_gb events are orphans (2026-10, and 2026-09 for
    the September one). cus_o2 has two active items metering api_requests: several → orphan.
    cus_o3's event names si_unknown: no such item → orphan. cus_o2's items have no usage and
    no lines: nothing to bill."""
    b = SourcesBuilder(root, shape)
    b.price(PriceSpec("price_api", unit_amount_decimal="0.25", usage_type="metered",
                      meter="api_requests"))
    for sub_id in ("sub_o2a", "sub_o2b"):
        b.subscription(sub_id, customer="cus_o2", start_date="2026-10-01",
                       items=[(f"si_{sub_id}", "price_api", None)])
    b.usage_event("ev1", type="storage_gb", subject="cus_o1", time="2026-10-03T08:00:00Z",
                  value=5)
    b.usage_event("ev2", type="storage_gb", subject="cus_o1", time="2026-09-30T23:00:00Z",
                  value=5)
    b.usage_event("ev3", type="api_requests", subject="cus_o2", time="2026-10-04T08:00:00Z",
                  value=10)
    b.usage_event("ev4", type="api_requests", subject="cus_o3", time="2026-10-04T09:00:00Z",
                  value=10, subscription_item="si_unknown")
    b.write()
    return expect(
        c2026_10=[E("orphan_usage", "cus_o1/storage_gb"), E("orphan_usage", "cus_o2/api_requests"),
                  E("orphan_usage", "cus_o3/api_requests")],
        c2026_09=[E("orphan_usage", "cus_o1/storage_gb")],
    )


@case(CASES)
def usage_exact_decimal_sum(root: Path, shape: Shape) -> Expectation:
    """Three events of 0.1 cpu_hours sum to exactly 0.3 (not 0.30000000000000004), billed as
    quantity_decimal "0.3" (integer quantity 0): nothing."""
    b, price = _metered(root, shape, unit="100", meter="cpu_hours")
    for n, day in enumerate(("05", "06", "07")):
        b.usage_event(f"ev{n}", type="cpu_hours", subject="cus_m",
                      time=f"2026-10-{day}T10:00:00Z", value=Decimal("0.1"))
    _bill(b, price, quantity=0, amount=30, quantity_decimal="0.3")
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def usage_redelivery_counts_once(root: Path, shape: Shape) -> Expectation:
    """ev1 (source A, 1000) is redelivered in another, gzipped file: counts once. "ev2" exists
    in sources A (200) and B (300): two different events. Usage 1500 = billed 1500."""
    b, price = _metered(root, shape)
    a, other = "//api.example/a", "//api.example/b"
    b.usage_event("ev1", type="api_requests", subject="cus_m", time="2026-10-05T10:00:00Z",
                  value=1000, source=a, rel="usage/2026-10-a.jsonl")
    b.usage_event("ev1", type="api_requests", subject="cus_m", time="2026-10-05T10:00:00Z",
                  value=1000, source=a, rel="usage/2026-10-b.jsonl.gz")
    b.usage_event("ev2", type="api_requests", subject="cus_m", time="2026-10-06T10:00:00Z",
                  value=200, source=a, rel="usage/2026-10-a.jsonl")
    b.usage_event("ev2", type="api_requests", subject="cus_m", time="2026-10-06T11:00:00Z",
                  value=300, source=other, rel="usage/2026-10-b.jsonl.gz")
    _bill(b, price, quantity=1500, amount=375)
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def usage_after_resubscription(root: Path, shape: Shape) -> Expectation:
    """cus_m's sub_old (metering api_requests) ended 2026-10-01; sub_m meters the same events
    from 2026-10-01. An October event matches one item active at its time, si_m, so it is
    billed there (1000 = 1000), not orphaned. sub_old's last period ended with September."""
    b, price = _metered(root, shape)
    b.subscription("sub_old", customer="cus_m", start_date="2026-08-01", status="canceled",
                   canceled_at="2026-10-01", ended_at="2026-10-01",
                   items=[("si_old", "price_api", None)])
    b.usage_event("ev1", type="api_requests", subject="cus_m", time="2026-10-05T10:00:00Z",
                  value=1000)
    _bill(b, price, quantity=1000, amount=250)
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def usage_during_trial(root: Path, shape: Shape) -> Expectation:
    """sub_m starts 2026-10-01, trial until (and anchored at) 2026-10-15. Usage on 2026-10-05
    attaches to si_m (active from start_date) but falls in no expected period: neither billed
    nor orphaned. The first period 2026-10-15 → 2026-11-15 belongs to 2026-11, has no usage
    and no line: nothing there either."""
    b, _price = _metered(root, shape, trial_end="2026-10-15")
    b.usage_event("ev1", type="api_requests", subject="cus_m", time="2026-10-05T10:00:00Z",
                  value=700)
    b.write()
    return expect(c2026_10=[], c2026_11=[])
