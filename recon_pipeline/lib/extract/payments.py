"""Specs of payments/: Stripe charges, invoice payments, refunds, balance transactions and
payouts. Amounts stay as Stripe gives them; the canonical model decides what they mean.
"""

from __future__ import annotations

from recon_pipeline.lib.extract.spec import Spec, f

CHARGES = Spec(
    "payments", "charges", ("payments/charges",),
    fields=(
        f("charge_id", "str", "id", required=True), f("amount", "int", required=True),
        f("amount_captured", "int"), f("captured", "bool"), f("amount_refunded", "int"),
        f("currency", "cur", required=True), f("status", "str", required=True),
        f("paid", "bool"), f("customer_id", "ref", "customer"),
        f("created_at", "ts", "created", required=True),
        f("balance_transaction_id", "ref", "balance_transaction"),
        f("payment_intent_id", "ref", "payment_intent"), f("invoice_id", "ref", "invoice"),
    ),
    output=("charge_id", "amount", "amount_captured", "captured", "amount_refunded",
            "currency", "status", "paid", "customer_id", "created_at",
            "balance_transaction_id", "payment_intent_id", "invoice_id"),
)

INVOICE_PAYMENTS = Spec(
    "payments", "invoice_payments", ("payments/invoice_payments",),
    fields=(
        f("invoice_payment_id", "str", "id", required=True),
        f("invoice_id", "ref", "invoice", required=True),
        f("payment_type", "str", "payment.type"), f("charge_id", "ref", "payment.charge"),
        f("payment_intent_id", "ref", "payment.payment_intent"), f("amount_paid", "int"),
        f("currency", "cur"), f("status", "str", required=True),
        f("created_at", "ts", "created"),
    ),
    output=("invoice_payment_id", "invoice_id", "payment_type", "charge_id",
            "payment_intent_id", "amount_paid", "currency", "status", "created_at"),
    optional=True,
)

REFUNDS = Spec(
    "payments", "refunds", ("payments/refunds",),
    fields=(
        f("refund_id", "str", "id", required=True), f("charge_id", "ref", "charge"),
        f("amount", "int", required=True, nonneg=True), f("currency", "cur", required=True),
        f("status", "str", required=True), f("created_at", "ts", "created", required=True),
        f("balance_transaction_id", "ref", "balance_transaction"),
    ),
    output=("refund_id", "charge_id", "amount", "currency", "status", "created_at",
            "balance_transaction_id"),
)

BALANCE_TRANSACTIONS = Spec(
    "payments", "balance_transactions", ("payments/balance_transactions",),
    fields=(
        f("balance_transaction_id", "str", "id", required=True),
        f("type", "str", required=True), f("source_id", "ref", "source"),
        f("amount", "int", required=True), f("fee", "int", required=True),
        f("net", "int", required=True), f("currency", "cur", required=True),
        f("created_at", "ts", "created"), f("available_on_at", "ts", "available_on"),
        f("payout_id", "ref", "payout"),
    ),
    output=("balance_transaction_id", "type", "source_id", "amount", "fee", "net", "currency",
            "created_at", "available_on_at", "payout_id"),
)

PAYOUTS = Spec(
    "payments", "payouts", ("payments/payouts",),
    fields=(
        f("payout_id", "str", "id", required=True), f("amount", "int", required=True),
        f("currency", "cur", required=True), f("status", "str", required=True),
        f("arrival_at", "ts", "arrival_date", required=True),
        f("created_at", "ts", "created"),
    ),
    output=("payout_id", "amount", "currency", "status", "arrival_at", "created_at"),
)

SPECS = (CHARGES, INVOICE_PAYMENTS, REFUNDS, BALANCE_TRANSACTIONS, PAYOUTS)
