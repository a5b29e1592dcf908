"""Cases of the subscription_billing recon: expected periods, coverage, expected amounts,
discounts, and the month-end clamp. Every expected finding is derived in the case's comments.

Each invoice here is posted and its licensed revenue recognised correctly, so the only findings
are the subscription ones."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.cases.builder import SourcesBuilder
from tests.cases.kit import Case, E, Expectation, expect, register, sub_line
from tests.cases.stripe_shapes import CouponSpec, PriceSpec, Shape

CASES: list[Case] = []
case = register


def _monthly(b: SourcesBuilder, price_id: str, unit_amount: int, currency: str = "usd"
             ) -> PriceSpec:
    return b.price(PriceSpec(price_id, unit_amount=unit_amount, currency=currency))


@case(CASES)
def unbilled_subscription_with_fx(root: Path, shape: Shape) -> Expectation:
    """sub_eu (eur, anchor 2026-09-01): si_eu = 2 × 29.00 EUR. September is billed (58.00,
    posted, recognised in September); October has no line → unbilled_subscription si_eu
    2026-10-01, leakage 58.00 EUR. Rate of 2026-10-31: none that day, latest earlier is
    2026-10-30 = 1.0834 (the 2026-11-01 rate is later, ignored): 58 × 1.0834 = 62.8372 → 62.84.
    2026-09: the period is covered with 5800 = expected 5800; nothing."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_eu", name="Euro GmbH", currency="eur", country="DE", entity="DE01")
    price = _monthly(b, "price_eu", 2900, "eur")
    b.subscription("sub_eu", customer="cus_eu", currency="eur", start_date="2026-09-01",
                   items=[("si_eu", "price_eu", 2)])
    b.invoice("in_sep", customer="cus_eu", currency="eur", subscription="sub_eu",
              finalized_at="2026-09-01T01:00:00",
              lines=[sub_line("il_sep", 5800, "2026-09-01", "2026-10-01", item="si_eu",
                              sub="sub_eu", price=price, quantity=2)])
    b.post_invoice("in_sep", "58.00", "2026-09", currency="EUR", entity="DE01")
    b.post_revrec("in_sep", "58.00", "2026-09", currency="EUR")
    b.fx("2026-10-30", "EUR", "1.0834")  # rows deliberately out of date order
    b.fx("2026-11-01", "EUR", "1.2000")
    b.fx("2026-09-30", "EUR", "1.0500")
    b.write()
    return expect(
        c2026_10=[E("unbilled_subscription", "si_eu", "2026-10-01", "58.00", "62.84")],
        c2026_09=[],
    )


def _discounted_sub(root: Path, shape: Shape, amount: int, discounts: tuple[int, ...]
                    ) -> SourcesBuilder:
    """sub_u: si_u = 1 × 100.00 with a 20 % forever coupon; one October line."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_u", name="Under Co")
    price = _monthly(b, "price_pro", 10000)
    b.subscription("sub_u", customer="cus_u", start_date="2026-10-01",
                   items=[("si_u", "price_pro", 1)],
                   coupons=[CouponSpec("twenty", percent_off=Decimal("20"))])
    net = amount - sum(discounts)
    b.invoice("in_u", customer="cus_u", subscription="sub_u", finalized_at="2026-10-01T01:00",
              lines=[sub_line("il_u", amount, "2026-10-01", "2026-11-01", item="si_u",
                              sub="sub_u", price=price, discounts=discounts)])
    major = f"{Decimal(net) / 100:.2f}"
    b.post_invoice("in_u", major, "2026-10")
    b.post_revrec("in_u", major, "2026-10")
    return b


@case(CASES)
def underbilled_subscription(root: Path, shape: Shape) -> Expectation:
    """Expected = 10000 − 20 % (2000) = 8000. The line: 10000 less discount_amounts 3000 =
    net 7000, below by 1000 > 1 → underbilled, leakage 10.00 USD (rate 1)."""
    _discounted_sub(root, shape, 10000, (3000,)).write()
    return expect(c2026_10=[E("underbilled_subscription", "si_u", "2026-10-01", "10.00",
                              "10.00")])


@case(CASES)
def overbilled_subscription(root: Path, shape: Shape) -> Expectation:
    """Expected 8000 (as above); the line bills 9000 with no discount: above by 1000."""
    _discounted_sub(root, shape, 9000, ()).write()
    return expect(c2026_10=[E("overbilled_subscription", "si_u", "2026-10-01")])


@case(CASES)
def duplicate_billing_excludes_under_over(root: Path, shape: Shape) -> Expectation:
    """si_d (50.00 monthly from 2026-10-01) is covered by il_d1 (50.00) and il_d2 (40.00, on a
    second invoice): duplicate_billing; il_d2's shortfall is not also an underbilling."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_d", name="Double Ltd")
    price = _monthly(b, "price_d", 5000)
    b.subscription("sub_d", customer="cus_d", start_date="2026-10-01",
                   items=[("si_d", "price_d", 1)])
    for n, amount in ((1, 5000), (2, 4000)):
        b.invoice(f"in_d{n}", customer="cus_d", subscription="sub_d",
                  finalized_at=f"2026-10-0{n}T01:00",
                  lines=[sub_line(f"il_d{n}", amount, "2026-10-01", "2026-11-01", item="si_d",
                                  sub="sub_d", price=price)])
        b.post_invoice(f"in_d{n}", f"{amount // 100}.00", "2026-10")
        b.post_revrec(f"in_d{n}", f"{amount // 100}.00", "2026-10")
    b.write()
    return expect(c2026_10=[E("duplicate_billing", "si_d", "2026-10-01")])


@case(CASES)
def billed_after_cancellation(root: Path, shape: Shape) -> Expectation:
    """sub_c canceled, ended 2026-10-15. October's period (cut short at the end) is billed in
    full, as expected. in_c2, finalized 2026-11-01, bills 2026-11-01 → 2026-12-01, starting
    after the end → billed_after_cancellation in the invoice's cycle 2026-11."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_c", name="Churn Inc")
    price = _monthly(b, "price_c", 5000)
    b.subscription("sub_c", customer="cus_c", start_date="2026-10-01", status="canceled",
                   canceled_at="2026-10-15", ended_at="2026-10-15",
                   items=[("si_c", "price_c", 1)])
    for invoice_id, start, end, period in (("in_c1", "2026-10-01", "2026-11-01", "2026-10"),
                                           ("in_c2", "2026-11-01", "2026-12-01", "2026-11")):
        b.invoice(invoice_id, customer="cus_c", subscription="sub_c",
                  finalized_at=f"{start}T01:00",
                  lines=[sub_line(f"il_{invoice_id}", 5000, start, end, item="si_c",
                                  sub="sub_c", price=price)])
        b.post_invoice(invoice_id, "50.00", period)
        b.post_revrec(invoice_id, "50.00", period)
    b.write()
    return expect(c2026_10=[],
                  c2026_11=[E("billed_after_cancellation", "si_c", "2026-11-01")])


@case(CASES)
def month_end_clamp(root: Path, shape: Shape) -> Expectation:
    """Anchor 2026-01-31T10:00Z, 10.00 monthly. Periods are anchor + k months, day clamped,
    time kept: Jan 31, Feb 28, Mar 31, Apr 30 (not Mar 28 / Apr 28), all at 10:00.
    Lines exist for Jan 31, Feb 28 and Mar 31; none for Apr 30 → unbilled in 2026-04,
    leakage 10.00. Revenue (14 h = 50400 s of each line in its first month, half-even):
    il_m1 28 d: 1000×50400/2419200 = 20.83 → 21 (Jan), 979 (Feb); il_m2 31 d: 18.82 → 19
    (Feb), 981 (Mar); il_m3 30 d: 19.44 → 19 (Mar), 981 (Apr)."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_m", name="Monthend BV")
    price = _monthly(b, "price_m", 1000)
    b.subscription("sub_m", customer="cus_m", start_date="2026-01-31T10:00:00",
                   items=[("si_m", "price_m", 1)])
    starts = ("2026-01-31T10:00:00", "2026-02-28T10:00:00", "2026-03-31T10:00:00",
              "2026-04-30T10:00:00")
    for n in range(3):
        b.invoice(f"in_m{n + 1}", customer="cus_m", subscription="sub_m",
                  finalized_at=starts[n].replace("T10", "T11"),
                  lines=[sub_line(f"il_m{n + 1}", 1000, starts[n], starts[n + 1], item="si_m",
                                  sub="sub_m", price=price)])
        b.post_invoice(f"in_m{n + 1}", "10.00", starts[n][:7])
    for invoice_id, period, amount in (("in_m1", "2026-01", "0.21"), ("in_m1", "2026-02", "9.79"),
                                       ("in_m2", "2026-02", "0.19"), ("in_m2", "2026-03", "9.81"),
                                       ("in_m3", "2026-03", "0.19"), ("in_m3", "2026-04", "9.81")):
        b.post_revrec(invoice_id, amount, period)
    b.write()
    return expect(c2026_02=[], c2026_03=[],
                  c2026_04=[E("unbilled_subscription", "si_m", "2026-04-30", "10.00", "10.00")])


@case(CASES)
def line_start_20_hours_off(root: Path, shape: Shape) -> Expectation:
    """si_t's period starts 2026-10-01T00:00; its line's period.start is 20 h later, within 1
    day: it covers the period (line ends 2026-11-01, all revenue in October)."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_t", name="Timing SA")
    price = _monthly(b, "price_t", 5000)
    b.subscription("sub_t", customer="cus_t", start_date="2026-10-01",
                   items=[("si_t", "price_t", 1)])
    b.invoice("in_t", customer="cus_t", subscription="sub_t", finalized_at="2026-10-01T21:00",
              lines=[sub_line("il_t", 5000, "2026-10-01T20:00:00", "2026-11-01", item="si_t",
                              sub="sub_t", price=price)])
    b.post_invoice("in_t", "50.00", "2026-10")
    b.post_revrec("in_t", "50.00", "2026-10")
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def proration_inside_period(root: Path, shape: Shape) -> Expectation:
    """si_p is exported at the new price (20.00) after a mid-October upgrade. October's line
    billed 10.00 at the old price, and proration lines dated 2026-10-15 (inside the period)
    exist: the period is checked for coverage only → nothing. Revenue: in_p1 10.00, in_p2
    −5.00 + 10.00 = 5.00, all in October."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_p", name="Upgrade Pty")
    old = _monthly(b, "price_old", 1000)
    new = _monthly(b, "price_new", 2000)
    b.subscription("sub_p", customer="cus_p", start_date="2026-10-01",
                   items=[("si_p", "price_new", 1)])
    b.invoice("in_p1", customer="cus_p", subscription="sub_p", finalized_at="2026-10-01T01:00",
              lines=[sub_line("il_p1", 1000, "2026-10-01", "2026-11-01", item="si_p",
                              sub="sub_p", price=old)])
    b.invoice("in_p2", customer="cus_p", subscription="sub_p", finalized_at="2026-10-15T01:00",
              lines=[sub_line("il_p2a", -500, "2026-10-15", "2026-11-01", item="si_p",
                              sub="sub_p", price=old, proration=True),
                     sub_line("il_p2b", 1000, "2026-10-15", "2026-11-01", item="si_p",
                              sub="sub_p", price=new, proration=True)])
    b.post_invoice("in_p1", "10.00", "2026-10")
    b.post_invoice("in_p2", "5.00", "2026-10")
    b.post_revrec("in_p1", "10.00", "2026-10")
    b.post_revrec("in_p2", "5.00", "2026-10")
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def percent_then_amount_off(root: Path, shape: Shape) -> Expectation:
    """si_a 10.00 and si_b 20.00 with coupons 10 % and 10.00 off (both forever).
    Percent first: 900 and 1800. Then 1000 spread by amount over 2700: si_a (not the greatest
    id) round(1000 × 900 / 2700 = 333.3) = 333 → 567; si_b takes the rest 667 → 1133.
    il_a nets 567 (fine); il_b nets 1100: 33 short → underbilled, leakage 0.33."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_s", name="Spread Corp")
    price_a = _monthly(b, "price_a", 1000)
    price_b = _monthly(b, "price_b", 2000)
    b.subscription("sub_s", customer="cus_s", start_date="2026-10-01",
                   items=[("si_a", "price_a", 1), ("si_b", "price_b", 1)],
                   coupons=[CouponSpec("ten_pct", percent_off=Decimal("10")),
                            CouponSpec("ten_off", amount_off=1000)])
    b.invoice("in_s", customer="cus_s", subscription="sub_s", finalized_at="2026-10-01T01:00",
              lines=[sub_line("il_a", 1000, "2026-10-01", "2026-11-01", item="si_a",
                              sub="sub_s", price=price_a, discounts=(100, 333)),
                     sub_line("il_b", 2000, "2026-10-01", "2026-11-01", item="si_b",
                              sub="sub_s", price=price_b, discounts=(200, 700))])
    b.post_invoice("in_s", "16.67", "2026-10")
    b.post_revrec("in_s", "16.67", "2026-10")
    b.write()
    return expect(c2026_10=[E("underbilled_subscription", "si_b", "2026-10-01", "0.33",
                              "0.33")])


@case(CASES)
def coupon_once(root: Path, shape: Shape) -> Expectation:
    """si_o 10.00 monthly from 2026-09-01 with a 50 % coupon, duration once, from the start:
    September expects 500 (billed 500, fine); October expects 1000 but the line still nets 500
    → underbilled 500, leakage 5.00."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_o", name="Once GmbH")
    price = _monthly(b, "price_o", 1000)
    b.subscription("sub_o", customer="cus_o", start_date="2026-09-01",
                   items=[("si_o", "price_o", 1)],
                   coupons=[CouponSpec("half_once", percent_off=Decimal("50"), duration="once")])
    for invoice_id, start, end in (("in_o1", "2026-09-01", "2026-10-01"),
                                   ("in_o2", "2026-10-01", "2026-11-01")):
        b.invoice(invoice_id, customer="cus_o", subscription="sub_o",
                  finalized_at=f"{start}T01:00",
                  lines=[sub_line(f"il_{invoice_id}", 1000, start, end, item="si_o",
                                  sub="sub_o", price=price, discounts=(500,))])
        b.post_invoice(invoice_id, "5.00", start[:7])
        b.post_revrec(invoice_id, "5.00", start[:7])
    b.write()
    return expect(c2026_09=[],
                  c2026_10=[E("underbilled_subscription", "si_o", "2026-10-01", "5.00",
                              "5.00")])
