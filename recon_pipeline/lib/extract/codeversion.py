"""Which extraction code wrote a raw zone: what the reuse of a prior zone checks first."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CODE_DIR = Path(__file__).resolve().parent


def code_digest() -> str:
    """A digest of the extraction code (and of the stream merge it ends with): another reader
    may read the same bytes otherwise."""
    digest = hashlib.sha256()
    for path in [*sorted(_CODE_DIR.glob("*.py")), _CODE_DIR.parent / "stream" / "merge.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
