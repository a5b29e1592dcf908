"""Deterministic generator of a sources directory (docs/sources.md) with planted truth.

The public entry point is :func:`generate`; ``recon generate`` is a thin wrapper around it.
"""

from recon_pipeline.generate.api import GenerateStats, generate

__all__ = ["GenerateStats", "generate"]
