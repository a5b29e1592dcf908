"""Run tags the close-cycle assets read: what kind of run of a cycle this is."""

import dagster as dg

#: Tag of an intra-cycle run of the open month (the daily schedule): its reports go to
#: OUT/reports/<cycle>/provisional/ and its findings stay out of the exception ledger.
PROVISIONAL_TAG = "recon/provisional"


def is_provisional(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> bool:
    """True for a provisional (intra-cycle) run: tagged ``recon/provisional=true``."""
    return context.run.tags.get(PROVISIONAL_TAG, "").lower() == "true"
