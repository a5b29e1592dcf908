"""Cases of the billing_erp, gateway_erp, gateway_billing and payouts recons, their traps and
the posting precedence rules. Every expected finding is derived in the case's comments."""

from __future__ import annotations

from pathlib import Path

from tests.cases.builder import SourcesBuilder
from tests.cases.kit import Case, E, Expectation, expect, one_off, register
from tests.cases.stripe_shapes import LineSpec, PriceSpec, Shape

CASES: list[Case] = []
case = register


def _customer_with_invoice(
    root: Path, shape: Shape, invoice_id: str = "in_1", *, total: int = 5000,
    finalized_at: str = "2026-10-05T09:00:00",
) -> SourcesBuilder:
    """A healthy customer cus_a with one open one-off invoice (no revenue schedule)."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_a", name="Alpha Ltd")
    b.invoice(invoice_id, customer="cus_a", finalized_at=finalized_at,
              lines=[one_off(f"il_{invoice_id}", total, finalized_at)])
    return b


# ---------------------------------------------------------------- billing_erp


@case(CASES)
def invoice_not_posted(root: Path, shape: Shape) -> Expectation:
    """in_1: open (finalized) 2026-10-05, total 50.00 ≠ 0, no INVOICE journal."""
    _customer_with_invoice(root, shape).write()
    return expect(c2026_10=[E("invoice_not_posted", "in_1")])


@case(CASES)
def invoice_amount_mismatch(root: Path, shape: Shape) -> Expectation:
    """in_1 total 5000 minor; AR posted 49.00 = 4900 minor; |4900 − 5000| = 100 > 1."""
    b = _customer_with_invoice(root, shape)
    b.post_invoice("in_1", "49.00", "2026-10")
    b.write()
    return expect(c2026_10=[E("invoice_amount_mismatch", "in_1")])


@case(CASES)
def invoice_currency_mismatch(root: Path, shape: Shape) -> Expectation:
    """in_1 is usd, its journal EUR: currency mismatch; the amount (46.00) is then not compared."""
    b = _customer_with_invoice(root, shape)
    b.post_invoice("in_1", "46.00", "2026-10", currency="EUR")
    b.write()
    return expect(c2026_10=[E("invoice_currency_mismatch", "in_1")])


@case(CASES)
def invoice_period_mismatch(root: Path, shape: Shape) -> Expectation:
    """in_1 finalized 2026-10-31T23:30Z (cycle 2026-10) but posted in period 2026-11.
    The finding belongs to the invoice's cycle; 2026-11 has nothing (the ref is an invoice)."""
    b = _customer_with_invoice(root, shape, finalized_at="2026-10-31T23:30:00")
    b.post_invoice("in_1", "50.00", "2026-11")
    b.write()
    return expect(c2026_10=[E("invoice_period_mismatch", "in_1")], c2026_11=[])


@case(CASES)
def invoice_entity_mismatch(root: Path, shape: Shape) -> Expectation:
    """cus_a's metadata.legal_entity is US01; the INVOICE journal is posted in DE01."""
    b = _customer_with_invoice(root, shape)
    b.post_invoice("in_1", "50.00", "2026-10", entity="DE01")
    b.write()
    return expect(c2026_10=[E("invoice_entity_mismatch", "in_1")])


@case(CASES)
def duplicate_invoice_posting(root: Path, shape: Shape) -> Expectation:
    """in_1 has two live INVOICE journals (JE-1, JE-2): duplicate_posting in the invoice's
    cycle; the doubled AR (100.00 vs 50.00) is not also reported (precedence)."""
    b = _customer_with_invoice(root, shape)
    b.post_invoice("in_1", "50.00", "2026-10", journal_id="JE-1")
    b.post_invoice("in_1", "50.00", "2026-10", journal_id="JE-2")
    b.write()
    return expect(c2026_10=[E("duplicate_posting", "in_1")])


@case(CASES)
def duplicate_revrec_posting(root: Path, shape: Shape) -> Expectation:
    """in_rr: one licensed line 2026-10-01 → 2026-11-01 of 50.00, all recognised in 2026-10.
    REVREC is posted twice in 2026-10: duplicate_posting in that period; the doubled revenue
    (100.00 vs 50.00) is not also a revenue_recognition_mismatch. 2026-11: no overlap, no
    REVREC, nothing."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_a", name="Alpha Ltd")
    lic = b.price(PriceSpec("price_lic", unit_amount=5000))
    b.invoice("in_rr", customer="cus_a", finalized_at="2026-10-01T01:00:00",
              lines=[LineSpec("il_rr", 5000, "2026-10-01", "2026-11-01", price=lic)])
    b.post_invoice("in_rr", "50.00", "2026-10")
    b.post_revrec("in_rr", "50.00", "2026-10", journal_id="RR-1")
    b.post_revrec("in_rr", "50.00", "2026-10", journal_id="RR-2")
    b.write()
    return expect(c2026_10=[E("duplicate_posting", "in_rr")], c2026_11=[])


@case(CASES)
def posting_without_invoice(root: Path, shape: Shape) -> Expectation:
    """Live INVOICE journals in period 2026-10 for in_ghost (no such invoice) and in_void (a
    voided invoice is not finalized): one finding each, in the journal's period. in_draft has
    no journal and a draft is not finalized: nothing. 2026-09 has no such journal."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_a", name="Alpha Ltd")
    b.invoice("in_void", customer="cus_a", status="void", finalized_at="2026-10-02",
              lines=[one_off("il_v", 5000, "2026-10-02")])
    b.invoice("in_draft", customer="cus_a", status="draft", finalized_at=None,
              created="2026-10-03", lines=[one_off("il_d", 5000, "2026-10-03")])
    b.post_invoice("in_ghost", "12.00", "2026-10")
    b.post_invoice("in_void", "50.00", "2026-10")
    b.write()
    return expect(c2026_10=[E("posting_without_invoice", "in_ghost"),
                            E("posting_without_invoice", "in_void")], c2026_09=[])


# ---------------------------------------------------------------- gateway_erp


def _charge(b: SourcesBuilder, charge_id: str, *, fee: int = 175, amount: int = 5000,
            created: str = "2026-10-10T12:00:00", status: str = "succeeded") -> None:
    """A charge with its balance transaction (fee ``fee`` minor units)."""
    b.charge(charge_id, amount=amount, created=created, customer="cus_a", status=status,
             balance_transaction=f"txn_{charge_id}")
    b.balance_transaction(f"txn_{charge_id}", type="charge", source=charge_id, amount=amount,
                          fee=fee, created=created)


@case(CASES)
def payment_not_posted(root: Path, shape: Shape) -> Expectation:
    """ch_1 succeeded 2026-10-10, 50.00, no PAYMENT journal."""
    b = SourcesBuilder(root, shape)
    _charge(b, "ch_1")
    b.write()
    return expect(c2026_10=[E("payment_not_posted", "ch_1")])


@case(CASES)
def payment_amount_mismatch(root: Path, shape: Shape) -> Expectation:
    """ch_1 amount 5000; GATEWAY_CLEARING posted 45.00 = 4500; fee 1.75 posted right."""
    b = SourcesBuilder(root, shape)
    _charge(b, "ch_1")
    b.post_payment("ch_1", "45.00", "2026-10", fee="1.75")
    b.write()
    return expect(c2026_10=[E("payment_amount_mismatch", "ch_1")])


@case(CASES)
def fee_mismatch(root: Path, shape: Shape) -> Expectation:
    """ch_1's balance transaction fee is 175; FEE posted 1.50 = 150; |150 − 175| > 1.
    ch_2 has a fee of 30 and no FEE journal: posted 0 ≠ 30, also a fee_mismatch."""
    b = SourcesBuilder(root, shape)
    _charge(b, "ch_1")
    b.post_payment("ch_1", "50.00", "2026-10", fee="1.50")
    _charge(b, "ch_2", fee=30)
    b.post_payment("ch_2", "50.00", "2026-10")
    b.write()
    return expect(c2026_10=[E("fee_mismatch", "ch_1"), E("fee_mismatch", "ch_2")])


@case(CASES)
def refund_not_posted(root: Path, shape: Shape) -> Expectation:
    """re_1 succeeded 2026-10-12 (20.00 of ch_1, which is posted right), no REFUND journal."""
    b = SourcesBuilder(root, shape)
    _charge(b, "ch_1")
    b.post_payment("ch_1", "50.00", "2026-10", fee="1.75")
    b.refund("re_1", charge="ch_1", amount=2000, created="2026-10-12")
    b.write()
    return expect(c2026_10=[E("refund_not_posted", "re_1")])


@case(CASES)
def refund_amount_mismatch(root: Path, shape: Shape) -> Expectation:
    """re_1 amount 2000; REFUND posted (credit − debit on GATEWAY_CLEARING) 15.00 = 1500."""
    b = SourcesBuilder(root, shape)
    _charge(b, "ch_1")
    b.post_payment("ch_1", "50.00", "2026-10", fee="1.75")
    b.refund("re_1", charge="ch_1", amount=2000, created="2026-10-12")
    b.post_refund("re_1", "15.00", "2026-10")
    b.write()
    return expect(c2026_10=[E("refund_amount_mismatch", "re_1")])


@case(CASES)
def posting_without_payment(root: Path, shape: Shape) -> Expectation:
    """ch_fail failed, yet a PAYMENT journal in 2026-10: finding in 2026-10. ch_gone is no
    charge at all, posted in 2026-09: finding in 2026-09 (the journal's period)."""
    b = SourcesBuilder(root, shape)
    _charge(b, "ch_fail", status="failed", fee=0)
    b.post_payment("ch_fail", "50.00", "2026-10")
    b.post_payment("ch_gone", "20.00", "2026-09")
    b.write()
    return expect(c2026_10=[E("posting_without_payment", "ch_fail")],
                  c2026_09=[E("posting_without_payment", "ch_gone")])


# ---------------------------------------------------------------- gateway_billing


@case(CASES)
def invoice_paid_without_payment(root: Path, shape: Shape) -> Expectation:
    """Three invoices finalized 2026-09-28 (posted in 2026-09), paid in 2026-10:
    in_pw: paid, amount_paid 50.00, no charge → finding in the month of paid_at (2026-10);
    in_oob: paid out of band → nothing; in_ok: paid by succeeded ch_ok (posted) → nothing.
    2026-09: cus_a is healthy, every invoice posted: nothing."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_a", name="Alpha Ltd")
    for invoice_id, paid_at in (("in_pw", "2026-10-02"), ("in_oob", "2026-10-03"),
                                ("in_ok", "2026-10-04")):
        b.invoice(invoice_id, customer="cus_a", status="paid", finalized_at="2026-09-28",
                  amount_paid=5000, paid_at=paid_at, out_of_band=invoice_id == "in_oob",
                  lines=[one_off(f"il_{invoice_id}", 5000, "2026-09-28")])
        b.post_invoice(invoice_id, "50.00", "2026-09")
    b.charge("ch_ok", amount=5000, created="2026-10-04", customer="cus_a", invoice="in_ok",
             balance_transaction="txn_ok")
    b.balance_transaction("txn_ok", type="charge", source="ch_ok", amount=5000, fee=175,
                          created="2026-10-04")
    b.post_payment("ch_ok", "50.00", "2026-10", fee="1.75")
    b.write()
    return expect(c2026_10=[E("invoice_paid_without_payment", "in_pw")], c2026_09=[])


@case(CASES)
def payment_unapplied(root: Path, shape: Shape) -> Expectation:
    """ch_ua succeeded 2026-10-05, linked to in_open which is still open."""
    b = _customer_with_invoice(root, shape, "in_open", finalized_at="2026-10-03T10:00:00")
    b.post_invoice("in_open", "50.00", "2026-10")
    b.charge("ch_ua", amount=5000, created="2026-10-05", customer="cus_a", invoice="in_open",
             balance_transaction="txn_ua")
    b.balance_transaction("txn_ua", type="charge", source="ch_ua", amount=5000, fee=175,
                          created="2026-10-05")
    b.post_payment("ch_ua", "50.00", "2026-10", fee="1.75")
    b.write()
    return expect(c2026_10=[E("payment_unapplied", "ch_ua")])


# ---------------------------------------------------------------- payouts


@case(CASES)
def payout_settlement_mismatch(root: Path, shape: Shape) -> Expectation:
    """po_s (paid, arrives 2026-10-15, 100.00): its transactions net 4825 + 4825 = 9650
    (its own payout transaction excluded) ≠ 10000. po_ok: 4825 + 5175 = 10000, fine.
    Both PAYOUT journals are right. The transactions' charges are not in the export."""
    b = SourcesBuilder(root, shape)
    for payout_id, fees in (("po_s", (175, 175)), ("po_ok", (175, -175))):
        b.payout(payout_id, amount=10000, arrival_date="2026-10-15")
        b.post_payout(payout_id, "100.00", "2026-10")
        for n, fee in enumerate(fees):
            b.balance_transaction(f"txn_{payout_id}_{n}", type="charge", source=f"ch_x{n}",
                                  amount=5000, fee=fee, created="2026-10-10", payout=payout_id)
        b.balance_transaction(f"txn_{payout_id}", type="payout", source=payout_id,
                              amount=-10000, fee=0, created="2026-10-15", payout=payout_id)
    b.write()
    return expect(c2026_10=[E("payout_settlement_mismatch", "po_s")])


@case(CASES)
def payout_posting_mismatch(root: Path, shape: Shape) -> Expectation:
    """po_np paid, no PAYOUT journal; po_wrong paid, CASH posted 99.00 ≠ 100.00; po_failed
    failed and unposted: not a paid payout, nothing. No balance transactions: no settlement
    check."""
    b = SourcesBuilder(root, shape)
    for payout_id, status in (("po_np", "paid"), ("po_wrong", "paid"), ("po_failed", "failed")):
        b.payout(payout_id, amount=10000, arrival_date="2026-10-20", status=status)
    b.post_payout("po_wrong", "99.00", "2026-10")
    b.write()
    return expect(c2026_10=[E("payout_posting_mismatch", "po_np"),
                            E("payout_posting_mismatch", "po_wrong")])


# ---------------------------------------------------------------- traps (nothing to report)


@case(CASES)
def reversal_neutralises_duplicate(root: Path, shape: Shape) -> Expectation:
    """in_1 posted twice (JE-1, JE-2) but JE-2 is reversed by REV-2: both ignored, JE-1 alone
    is live and right."""
    b = _customer_with_invoice(root, shape)
    b.post_invoice("in_1", "50.00", "2026-10", journal_id="JE-1")
    b.post_invoice("in_1", "50.00", "2026-10", journal_id="JE-2")
    b.reverse("JE-2", reversal_id="REV-2", period="2026-10")
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def one_minor_unit_difference(root: Path, shape: Shape) -> Expectation:
    """in_1 5000 posted 49.99 (1 cent off); ch_1 5000 posted 50.01: within the tolerance."""
    b = _customer_with_invoice(root, shape)
    b.post_invoice("in_1", "49.99", "2026-10")
    _charge(b, "ch_1")
    b.post_payment("ch_1", "50.01", "2026-10", fee="1.76")
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def currency_exponents(root: Path, shape: Shape) -> Expectation:
    """Each currency's own decimals (issue 13 item 10), from the ledger reader to the recon:
    in_y JPY 7350 posted "7350" (0 decimals); in_u USD 50.00 posted "50.00" (2); in_k KWD
    1.234 = 1234 fils posted "1.234" (3); in_k1 5000 fils posted "4.999": one fil off, within
    the tolerance of one minor unit; in_k2 5000 fils posted "4.990": 10 fils off, a mismatch.
    Before KWD kept its third decimal, the KWD lines were quarantined: three not posted."""
    b = SourcesBuilder(root, shape)
    b.entity_rows.extend([("JP01", "Example K.K.", "JPY", "JP"),
                          ("KW01", "Example W.L.L.", "KWD", "KW")])
    at = "2026-10-05T09:00:00"
    for customer, currency, country, entity in (("cus_y", "jpy", "JP", "JP01"),
                                                ("cus_u", "usd", "US", "US01"),
                                                ("cus_k", "kwd", "KW", "KW01")):
        b.healthy_customer(customer, name=f"Customer {customer}", currency=currency,
                           country=country, entity=entity)
    for invoice, customer, currency, total, posted, entity in (
            ("in_y", "cus_y", "jpy", 7350, "7350", "JP01"),
            ("in_u", "cus_u", "usd", 5000, "50.00", "US01"),
            ("in_k", "cus_k", "kwd", 1234, "1.234", "KW01"),
            ("in_k1", "cus_k", "kwd", 5000, "4.999", "KW01"),
            ("in_k2", "cus_k", "kwd", 5000, "4.990", "KW01")):
        b.invoice(invoice, customer=customer, finalized_at=at, currency=currency,
                  lines=[one_off(f"il_{invoice}", total, at)])
        b.post_invoice(invoice, posted, "2026-10", currency=currency.upper(), entity=entity)
    for currency, rate in (("JPY", "0.0067"), ("KWD", "3.25")):
        b.fx("2026-10-05", currency, rate)
    b.write()
    return expect(c2026_10=[E("invoice_amount_mismatch", "in_k2")])


@case(CASES)
def zero_total_invoice_unposted(root: Path, shape: Shape) -> Expectation:
    """in_0: line 50.00 fully discounted, total 0, left unposted: no finding."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_a", name="Alpha Ltd")
    b.invoice("in_0", customer="cus_a", finalized_at="2026-10-05",
              lines=[LineSpec("il_0", 5000, "2026-10-05", "2026-10-05",
                              discount_amounts=(5000,))])
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def draft_invoice(root: Path, shape: Shape) -> Expectation:
    """in_d is a draft of cus_new (known to neither ERP nor CRM): not finalized, so neither
    unposted nor part of the customer-master population."""
    b = SourcesBuilder(root, shape)
    b.customer("cus_new", name="Newco")
    b.invoice("in_d", customer="cus_new", status="draft", finalized_at=None,
              created="2026-10-05", lines=[one_off("il_d", 5000, "2026-10-05")])
    b.write()
    return expect(c2026_10=[])


@case(CASES)
def failed_and_uncaptured_charges(root: Path, shape: Shape) -> Expectation:
    """ch_f failed and ch_u succeeded-but-uncaptured (captured: false): neither is a succeeded
    charge, so neither needs a PAYMENT journal."""
    b = SourcesBuilder(root, shape)
    _charge(b, "ch_f", status="failed", fee=0)
    b.charge("ch_u", amount=5000, created="2026-10-11", captured=False, amount_captured=0)
    b.write()
    return expect(c2026_10=[])


# ---------------------------------------------------------------- precedence


@case(CASES)
def not_posted_excludes_the_rest(root: Path, shape: Shape) -> Expectation:
    """in_x: finalized 2026-10-02, paid (amount_paid 50.00, no charge) and unposted → only
    invoice_not_posted (not invoice_paid_without_payment). ch_x: succeeded, linked to the
    still-open in_o, FEE posted 9.99 vs fee 90, no PAYMENT journal → only payment_not_posted
    (neither payment_unapplied nor fee_mismatch)."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_a", name="Alpha Ltd")
    b.invoice("in_x", customer="cus_a", status="paid", finalized_at="2026-10-02",
              amount_paid=5000, paid_at="2026-10-03", lines=[one_off("il_x", 5000, "2026-10-02")])
    b.invoice("in_o", customer="cus_a", finalized_at="2026-10-02",
              lines=[one_off("il_o", 3000, "2026-10-02")])
    b.post_invoice("in_o", "30.00", "2026-10")
    b.charge("ch_x", amount=3000, created="2026-10-06", customer="cus_a", invoice="in_o",
             balance_transaction="txn_x")
    b.balance_transaction("txn_x", type="charge", source="ch_x", amount=3000, fee=90,
                          created="2026-10-06")
    b.journal("FEE-ch_x", document_type="FEE", document_ref="ch_x", period="2026-10",
              lines=[("GATEWAY_FEES", "9.99", "0.00"), ("GATEWAY_CLEARING", "0.00", "9.99")])
    b.write()
    return expect(c2026_10=[E("invoice_not_posted", "in_x"), E("payment_not_posted", "ch_x")])


@case(CASES)
def duplicate_posting_excludes_amount_checks(root: Path, shape: Shape) -> Expectation:
    """in_1 (cycle 2026-10) has live INVOICE journals in 2026-10 and 2026-11: duplicate_posting
    in the invoice's cycle only; the doubled amount and the 2026-11 period are not reported."""
    b = _customer_with_invoice(root, shape)
    b.post_invoice("in_1", "50.00", "2026-10", journal_id="JE-1")
    b.post_invoice("in_1", "50.00", "2026-11", journal_id="JE-2")
    b.write()
    return expect(c2026_10=[E("duplicate_posting", "in_1")], c2026_11=[])


# ---------------------------------------------------------------- file formats


@case(CASES, shapes=("classic",))
def mixed_shapes_gzip_list_page(root: Path, shape: Shape) -> Expectation:
    """invoices.jsonl.gz holds a classic invoice as a plain line and a current-shape invoice
    inside a Stripe list page. in_cls is posted; in_cur is not → invoice_not_posted."""
    b = SourcesBuilder(root, shape)
    b.healthy_customer("cus_a", name="Alpha Ltd")
    rel = "billing/invoices.jsonl.gz"
    b.invoice("in_cls", customer="cus_a", finalized_at="2026-10-05", shape="classic", rel=rel,
              lines=[one_off("il_cls", 5000, "2026-10-05")])
    b.invoice("in_cur", customer="cus_a", finalized_at="2026-10-06", shape="current", rel=rel,
              as_list_page=True, lines=[one_off("il_cur", 7000, "2026-10-06")])
    b.post_invoice("in_cls", "50.00", "2026-10")
    b.write()
    return expect(c2026_10=[E("invoice_not_posted", "in_cur")])
