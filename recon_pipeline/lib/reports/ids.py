"""Stable exception ids: the same (category, object_id, period_start) gives the same id, always."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date

import pyarrow as pa

from recon_pipeline.lib.registry import category as registry_category


def exception_id(category: str, object_id: str, period_start: date | None) -> str:
    """``'UBS-3f9a0c1d2e4b'``: the category's registry prefix + 12 hex of SHA-256 over the
    finding's key; RegistryError for a category the registry lacks.

    Only the key goes in (never amounts, cycle or run time), so a finding keeps its id in
    every run and every cycle. 48 bits of hash: a collision is unlikely below ~10^6 ids per
    category, and is detected (two findings, one id) where the ids are assigned.
    """
    key = "\x1f".join([category, object_id, period_start.isoformat() if period_start else ""])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{registry_category(category).id_prefix}-{digest}"


def exception_ids(findings: pa.Table) -> pa.Array:
    """The exception_id of every row of a findings table; ValueError on a repeated finding."""
    ids = [exception_id(c, o, p) for c, o, p in zip(
        findings.column("category").to_pylist(), findings.column("object_id").to_pylist(),
        findings.column("period_start").to_pylist(), strict=True)]
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    if repeated:
        raise ValueError(f"findings: the same finding appears twice (exception_id {repeated[0]})")
    return pa.array(ids, pa.string())
