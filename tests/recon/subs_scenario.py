"""One hand-built sources directory with every category of the subscription_billing,
usage_billing and customer_master recons, and their traps, side by side (distinct ids), so one
dbt build checks them all. Every expected finding is derived in the comments.

Periods are monthly and cycles are reconciled up to 2026-10 (the dbt var ``cycle``); every
customer not planted as a customer-master finding resolves cleanly (billing, ERP, CRM agree).
Nothing here is posted to the ledger: the ledger recons are not these tests' business.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from tests.cases.builder import SourcesBuilder
from tests.cases.kit import one_off, sub_line
from tests.cases.stripe_shapes import CouponSpec, PriceSpec, Shape

#: The cycle the scenario is reconciled as (periods are expected up to its end).
CYCLE = "2026-10"

#: (cycle, category, object_id, period_start, leakage_amount) of every expected finding.
Finding = tuple[str, str, str, date | None, Decimal | None]


def _f(cycle: str, category: str, object_id: str, period_start: str | None = None,
       leakage: str | None = None) -> Finding:
    return (cycle, category, object_id,
            None if period_start is None else date.fromisoformat(period_start),
            None if leakage is None else Decimal(leakage))


EXPECTED: frozenset[Finding] = frozenset({
    # subscription_billing
    _f("2026-10", "unbilled_subscription", "si_unb", "2026-10-14", "98.00"),
    _f("2026-10", "underbilled_subscription", "si_und", "2026-10-01", "10.00"),
    _f("2026-10", "overbilled_subscription", "si_ovr", "2026-10-01"),
    _f("2026-10", "duplicate_billing", "si_dup", "2026-10-01"),
    _f("2026-10", "billed_after_cancellation", "si_bac", "2026-10-01"),
    _f("2026-04", "unbilled_subscription", "si_jan", "2026-04-30", "10.00"),
    _f("2026-10", "underbilled_subscription", "si_once", "2026-10-01", "5.00"),
    _f("2026-10", "underbilled_subscription", "si_mix_b", "2026-10-01", "0.33"),
    _f("2026-10", "underbilled_subscription", "si_jpy", "2026-10-01", "7350"),
    _f("2026-10", "duplicate_billing", "si_mdup", "2026-10-01"),
    # usage_billing
    _f("2026-10", "unbilled_usage", "si_use", "2026-10-01", "1.25"),
    _f("2026-10", "overbilled_usage", "si_ovu", "2026-10-01"),
    _f("2026-10", "unbilled_usage", "si_grace", "2026-10-01", "2.50"),
    _f("2026-10", "orphan_usage", "cus_orph/storage_gb"),
    _f("2026-09", "orphan_usage", "cus_orph/storage_gb"),
    # customer_master
    _f("2026-10", "customer_missing_in_erp", "cus_me"),
    _f("2026-10", "customer_missing_in_crm", "cus_mc"),
    _f("2026-10", "duplicate_customer", "cus_dc"),
    _f("2026-10", "customer_attribute_mismatch", "cus_am"),
})

#: The finance sentence of si_unb's finding.
UNBILLED_DETAIL = ("Seat licence item si_unb was not billed for the period starting "
                   "2026-10-14: USD 98.00 of revenue leaked.")


def build(root: Path, shape: Shape) -> Path:
    """Write the scenario's sources directory under ``root`` in Stripe ``shape``."""
    b = SourcesBuilder(root, shape)
    b.line("billing/products.jsonl", {"id": "prod_seat", "object": "product",
                                      "name": "Seat licence"})
    b.line("billing/products.jsonl", {"id": "prod_main", "object": "product",
                                      "name": "Main plan"})
    _licensed(b)
    _metered(b)
    _customers(b)
    b.write()
    return root


def _sub(b: SourcesBuilder, name: str, price: str, *, start: str, quantity: int | None = 1,
         currency: str = "usd", status: str = "active", ended_at: str | None = None,
         trial_end: str | None = None, coupons: tuple[CouponSpec, ...] = ()) -> None:
    """A healthy customer cus_<name> with subscription sub_<name> of one item si_<name>
    (anchored at its start, or at the trial's end)."""
    b.healthy_customer(f"cus_{name}", name=f"{name.title()} Ltd", currency=currency,
                       country="JP" if currency == "jpy" else "US")
    b.subscription(f"sub_{name}", customer=f"cus_{name}", start_date=start, currency=currency,
                   items=[(f"si_{name}", price, quantity)], status=status, trial_end=trial_end,
                   anchor=trial_end, canceled_at=ended_at, ended_at=ended_at, coupons=coupons)


def _bill(b: SourcesBuilder, name: str, n: int, amount: int, start: str, end: str, *,
          price: str, finalized: str | None = None, currency: str = "usd", quantity: int = 1,
          quantity_decimal: str | None = None, discounts: tuple[int, ...] = ()) -> None:
    """Invoice in_<name><n> of cus_<name> with one line il_<name><n> of si_<name>, finalized
    an hour after the line's start unless ``finalized`` says when."""
    b.invoice(f"in_{name}{n}", customer=f"cus_{name}", subscription=f"sub_{name}",
              currency=currency, finalized_at=finalized or f"{start[:10]}T01:00:00",
              lines=[sub_line(f"il_{name}{n}", amount, start, end, item=f"si_{name}",
                              sub=f"sub_{name}", price=b.prices[price], quantity=quantity,
                              quantity_decimal=quantity_decimal, discounts=discounts)])


def _licensed(b: SourcesBuilder) -> None:
    for spec in (PriceSpec("price_seat", unit_amount=4900, product="prod_seat"),
                 PriceSpec("price_pro", unit_amount=10000),
                 PriceSpec("price_fifty", unit_amount=5000),
                 PriceSpec("price_ten", unit_amount=1000),
                 PriceSpec("price_old", unit_amount=1000),
                 PriceSpec("price_new", unit_amount=2000),
                 PriceSpec("price_a", unit_amount=1000),
                 PriceSpec("price_b", unit_amount=2000),
                 PriceSpec("price_yen", unit_amount=7350, currency="jpy")):
        b.price(spec)

    # si_unb: 2 seats × 49.00 from Sep 14. September is billed (98.00); the period starting
    # Oct 14 is not → unbilled_subscription, leakage 98.00.
    _sub(b, "unb", "price_seat", quantity=2, start="2026-09-14")
    _bill(b, "unb", 1, 9800, "2026-09-14", "2026-10-14", price="price_seat", quantity=2)

    # si_und: 100.00 with a 20 % coupon (forever) = 80.00 expected; the line nets 100.00 −
    # 30.00 = 70.00 → underbilled by 10.00 (leakage).
    _sub(b, "und", "price_pro", start="2026-10-01",
         coupons=(CouponSpec("twenty", percent_off=Decimal("20")),))
    _bill(b, "und", 1, 10000, "2026-10-01", "2026-11-01", price="price_pro", discounts=(3000,))

    # si_ovr: 50.00 expected, 60.00 billed → overbilled. si_tol: 49.99 billed, 1 minor unit
    # short, within the tolerance → nothing.
    _sub(b, "ovr", "price_fifty", start="2026-10-01")
    _bill(b, "ovr", 1, 6000, "2026-10-01", "2026-11-01", price="price_fifty")
    _sub(b, "tol", "price_fifty", start="2026-10-01")
    _bill(b, "tol", 1, 4999, "2026-10-01", "2026-11-01", price="price_fifty")

    # si_dup: two covering lines (50.00 and 40.00) → duplicate_billing only, not underbilled.
    _sub(b, "dup", "price_fifty", start="2026-10-01")
    _bill(b, "dup", 1, 5000, "2026-10-01", "2026-11-01", price="price_fifty")
    _bill(b, "dup", 2, 4000, "2026-10-01", "2026-11-01", price="price_fifty",
          finalized="2026-10-02T01:00:00")

    # si_bac: canceled, ended Sep 15. August and September (cut short) are billed as
    # expected; a line for Oct 1 (invoice of 2026-10) starts after the end →
    # billed_after_cancellation in 2026-10.
    _sub(b, "bac", "price_fifty", start="2026-08-01", status="canceled", ended_at="2026-09-15")
    for n, (start, end) in enumerate((("2026-08-01", "2026-09-01"), ("2026-09-01", "2026-10-01"),
                                      ("2026-10-01", "2026-11-01")), 1):
        _bill(b, "bac", n, 5000, start, end, price="price_fifty")

    # si_late: the line's period starts 20 hours after the expected start: covered, nothing.
    _sub(b, "late", "price_fifty", start="2026-10-01")
    _bill(b, "late", 1, 5000, "2026-10-01T20:00:00", "2026-11-01", price="price_fifty",
          finalized="2026-10-01T21:00:00")

    # si_jan: anchor Jan 31 10:00 → periods Jan 31, Feb 28, Mar 31, Apr 30, ... Oct 31 (each
    # 10:00). Every one is billed on its own day except Apr 30 → unbilled in 2026-04, 10.00.
    starts = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31",
              "2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31",
              "2026-11-30"]
    _sub(b, "jan", "price_ten", start="2026-01-31T10:00:00")
    for n, (start, end) in enumerate(pairwise(starts), 1):
        if start != "2026-04-30":
            _bill(b, "jan", n, 1000, f"{start}T10:00:00", f"{end}T10:00:00",
                  price="price_ten", finalized=f"{start}T11:00:00")

    # si_pro: exported at the new price 20.00 after a mid-October upgrade; October's line
    # billed 10.00 and proration lines dated Oct 15 (inside the period) exist → coverage
    # only, nothing.
    _sub(b, "pro", "price_new", start="2026-10-01")
    _bill(b, "pro", 1, 1000, "2026-10-01", "2026-11-01", price="price_old")
    b.invoice("in_pro2", customer="cus_pro", subscription="sub_pro",
              finalized_at="2026-10-15T01:00:00",
              lines=[sub_line("il_pro2a", -500, "2026-10-15", "2026-11-01", item="si_pro",
                              sub="sub_pro", price=b.prices["price_old"], proration=True),
                     sub_line("il_pro2b", 1000, "2026-10-15", "2026-11-01", item="si_pro",
                              sub="sub_pro", price=b.prices["price_new"], proration=True)])

    # si_once: 10.00 with 50 % off once, from Sep 1: September expects 5.00 (billed 5.00);
    # October expects 10.00 but still nets 5.00 → underbilled, leakage 5.00.
    _sub(b, "once", "price_ten", start="2026-09-01",
         coupons=(CouponSpec("half_once", percent_off=Decimal("50"), duration="once"),))
    _bill(b, "once", 1, 1000, "2026-09-01", "2026-10-01", price="price_ten", discounts=(500,))
    _bill(b, "once", 2, 1000, "2026-10-01", "2026-11-01", price="price_ten", discounts=(500,))

    # sub_mix: si_mix_a 10.00 and si_mix_b 20.00, coupons 10 % and 10.00 off. Percent first:
    # 900 and 1800; then 1000 over 2700: si_mix_a round(333.3) = 333 → 567, si_mix_b (the
    # greatest id) the rest 667 → 1133. il_mix_b nets 1100 → underbilled by 0.33.
    b.healthy_customer("cus_mix", name="Mix Ltd")
    b.subscription("sub_mix", customer="cus_mix", start_date="2026-10-01",
                   items=[("si_mix_a", "price_a", 1), ("si_mix_b", "price_b", 1)],
                   coupons=[CouponSpec("ten_pct", percent_off=Decimal("10")),
                            CouponSpec("ten_off", amount_off=1000)])
    b.invoice("in_mix1", customer="cus_mix", subscription="sub_mix",
              finalized_at="2026-10-01T01:00:00",
              lines=[sub_line("il_mix_a", 1000, "2026-10-01", "2026-11-01", item="si_mix_a",
                              sub="sub_mix", price=b.prices["price_a"], discounts=(100, 333)),
                     sub_line("il_mix_b", 2000, "2026-10-01", "2026-11-01", item="si_mix_b",
                              sub="sub_mix", price=b.prices["price_b"], discounts=(200, 700))])

    # si_jpy: 9 × JPY 7350 = 66150 expected, 58800 billed → underbilled, leakage JPY 7350.
    _sub(b, "jpy", "price_yen", quantity=9, start="2026-10-01", currency="jpy")
    _bill(b, "jpy", 1, 58800, "2026-10-01", "2026-11-01", price="price_yen", currency="jpy",
          quantity=9)

    # sub_inc is incomplete: no period is expected, so nothing is unbilled.
    _sub(b, "inc", "price_fifty", start="2026-10-01", status="incomplete")


def _metered(b: SourcesBuilder) -> None:
    # Metered prices in cents per unit; the October periods (Oct 1 → Nov 1, cycle 2026-10)
    # are billed on invoices finalized Nov 1 01:00, within the 3-day grace period.
    b.price(PriceSpec("price_api", unit_amount_decimal="0.25", usage_type="metered",
                      meter="api_requests"))
    b.price(PriceSpec("price_cpu", unit_amount_decimal="100", usage_type="metered",
                      meter="cpu_hours"))
    nov1 = "2026-11-01T01:00:00"

    def event(id: str, subject: str, time: str, value: int | Decimal, *,
              type: str = "api_requests", source: str = "//api.example/metering",
              subscription_item: str | None = None, rel: str = "usage/events.jsonl") -> None:
        b.usage_event(id, type=type, subject=subject, time=time, value=value, source=source,
                      subscription_item=subscription_item, rel=rel)

    # si_use: 1000 + 500 used, 1000 billed → 500 × 0.25 = 125 cents unbilled, leakage 1.25.
    _sub(b, "use", "price_api", quantity=None, start="2026-10-01")
    event("ev_use_1", "cus_use", "2026-10-05T10:00:00Z", 1000)
    event("ev_use_2", "cus_use", "2026-10-20T10:00:00Z", 500)
    _bill(b, "use", 1, 250, "2026-10-01", "2026-11-01", price="price_api", finalized=nov1,
          quantity=1000)

    # si_ovu: 1500 used (one event names its item), 2000 billed → overbilled_usage.
    _sub(b, "ovu", "price_api", quantity=None, start="2026-10-01")
    event("ev_ovu_1", "cus_ovu", "2026-10-05T10:00:00Z", 1000)
    event("ev_ovu_2", "cus_ovu", "2026-10-20T10:00:00Z", 500, subscription_item="si_ovu")
    _bill(b, "ovu", 1, 500, "2026-10-01", "2026-11-01", price="price_api", finalized=nov1,
          quantity=2000)

    # si_ten: three events of 0.1 cpu_hours sum exactly to 0.3, billed as quantity 0.3 →
    # nothing.
    _sub(b, "ten", "price_cpu", quantity=None, start="2026-10-01")
    for n, day in enumerate(("05", "06", "07")):
        event(f"ev_ten_{n}", "cus_ten", f"2026-10-{day}T10:00:00Z", Decimal("0.1"),
              type="cpu_hours")
    _bill(b, "ten", 1, 30, "2026-10-01", "2026-11-01", price="price_cpu", finalized=nov1,
          quantity=0, quantity_decimal="0.3")

    # si_red: ev_red_1 (1000) is delivered twice, once in a gzipped file: counted once;
    # "ev_red_2" exists in two sources (200 and 300): two events. 1500 used = 1500 billed.
    _sub(b, "red", "price_api", quantity=None, start="2026-10-01")
    a, other = "//api.example/a", "//api.example/b"
    event("ev_red_1", "cus_red", "2026-10-05T10:00:00Z", 1000, source=a,
          rel="usage/2026-10-a.jsonl")
    event("ev_red_1", "cus_red", "2026-10-05T10:00:00Z", 1000, source=a,
          rel="usage/2026-10-b.jsonl.gz")
    event("ev_red_2", "cus_red", "2026-10-06T10:00:00Z", 200, source=a,
          rel="usage/2026-10-a.jsonl")
    event("ev_red_2", "cus_red", "2026-10-06T11:00:00Z", 300, source=other,
          rel="usage/2026-10-b.jsonl.gz")
    _bill(b, "red", 1, 375, "2026-10-01", "2026-11-01", price="price_api", finalized=nov1,
          quantity=1500)

    # si_tri: trial until (and anchored at) Oct 15. Usage on Oct 5 attaches to si_tri but
    # falls in no expected period: neither billed nor orphaned. Its first period (Oct 15 →
    # Nov 15) belongs to 2026-11.
    _sub(b, "tri", "price_api", quantity=None, start="2026-10-01", trial_end="2026-10-15")
    event("ev_tri_1", "cus_tri", "2026-10-05T10:00:00Z", 700)

    # cus_orph meters nothing: its storage_gb events are orphans, in 2026-10 and (the one of
    # Sep 30 23:00) in 2026-09.
    event("ev_orph_1", "cus_orph", "2026-10-03T08:00:00Z", 5, type="storage_gb")
    event("ev_orph_2", "cus_orph", "2026-09-30T23:00:00Z", 5, type="storage_gb")

    # si_grace: 1000 used, billed in full on an invoice finalized Nov 5, four days after the
    # period's end: no covering line → 0 billed → unbilled 1000 × 0.25 = 2.50.
    _sub(b, "grace", "price_api", quantity=None, start="2026-10-01")
    event("ev_grace_1", "cus_grace", "2026-10-05T10:00:00Z", 1000)
    _bill(b, "grace", 1, 250, "2026-10-01", "2026-11-01", price="price_api",
          finalized="2026-11-05T00:00:00", quantity=1000)

    # si_mdup: 100 used, billed twice within the grace period → duplicate_billing (a
    # subscription_billing category), and the usage is not compared.
    _sub(b, "mdup", "price_api", quantity=None, start="2026-10-01")
    event("ev_mdup_1", "cus_mdup", "2026-10-05T10:00:00Z", 100)
    _bill(b, "mdup", 1, 25, "2026-10-01", "2026-11-01", price="price_api", finalized=nov1,
          quantity=100)
    _bill(b, "mdup", 2, 25, "2026-10-01", "2026-11-01", price="price_api",
          finalized="2026-11-02T01:00:00", quantity=100)


def _customers(b: SourcesBuilder) -> None:
    # Each customer here has one one-off invoice finalized 2026-10-05: the 2026-10 population.
    for customer in ("cus_me", "cus_mc", "cus_dc", "cus_am", "cus_acme", "cus_tax"):
        currency = "eur" if customer in ("cus_am", "cus_tax") else "usd"
        b.invoice(f"in_{customer}", customer=customer, currency=currency,
                  finalized_at="2026-10-05",
                  lines=[one_off(f"il_{customer}", 5000, "2026-10-05")])
    # cus_me: no ERP row by external_ref, code, tax id or name → missing in ERP (CRM has it).
    b.customer("cus_me", name="Missing Ltd")
    b.erp_customer("E-OTHER", name="Someone Else", external_ref="cus_other")
    b.crm_account("crm_me", name="Missing Ltd", billing_customer_id="cus_me",
                  erp_customer_code=None)
    # cus_mc resolves to E-MC by external_ref; no CRM account names cus_mc or E-MC.
    b.customer("cus_mc", name="No Crm Inc")
    b.erp_customer("E-MC", name="No Crm Inc", external_ref="cus_mc")
    # cus_dc: external_ref finds E-D1 and E-D2 → duplicate (E-D2's country is not compared).
    b.customer("cus_dc", name="Twice Ltd")
    b.erp_customer("E-D1", name="Twice Ltd", external_ref="cus_dc")
    b.erp_customer("E-D2", name="Twice Limited", country="GB", external_ref="cus_dc")
    b.crm_account("crm_dc", name="Twice Ltd", billing_customer_id="cus_dc",
                  erp_customer_code=None)
    # cus_am resolves by metadata.erp_customer_code to E-AM, whose country is FR, not DE.
    b.customer("cus_am", name="Attribut GmbH", currency="eur", country="DE",
               legal_entity="DE01", erp_code="E-AM")
    b.erp_customer("E-AM", name="Attribut GmbH", entity="DE01", currency="EUR", country="FR")
    b.crm_account("crm_am", name="Attribut GmbH", billing_customer_id=None,
                  erp_customer_code="E-AM", country="DE", currency="EUR", legal_entity="DE01")
    # cus_acme is found only by its normalised name ("acme widgets") and country: nothing.
    b.customer("cus_acme", name="ACME Widgets, Inc.")
    b.erp_customer("E-ACME", name="Acme Widgets")
    b.crm_account("crm_acme", name="Acme Widgets", billing_customer_id=None,
                  erp_customer_code="E-ACME")
    # cus_tax: tax id "de 123-456-789" normalises to the ERP's DE123456789: nothing.
    b.customer("cus_tax", name="Beispiel AG", currency="eur", country="DE", legal_entity="DE01",
               tax_id="de 123-456-789")
    b.erp_customer("E-TAX", name="Beispielwerke", entity="DE01", currency="EUR", country="DE",
                   tax_id="DE123456789")
    b.crm_account("crm_tax", name="Beispiel AG", billing_customer_id="cus_tax",
                  erp_customer_code=None, country="DE", currency="EUR", legal_entity="DE01")
