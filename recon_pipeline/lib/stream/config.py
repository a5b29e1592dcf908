"""The stream receiver's settings, from the environment only (secrets never from arguments).

``RECON_STRIPE_WEBHOOK_SECRET``: the Stripe endpoint secret(s), comma-separated during a
rotation; ``RECON_USAGE_TOKEN``: the bearer token of ``POST /events/usage``;
``RECON_STREAM_DIR``: where the local log lives, default ``data/stream``; ``RECON_NATS_URL``:
when set, NATS JetStream is the log instead (stream ``RECON_NATS_STREAM``, default
``RECON_EVENTS``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV_STRIPE_SECRET = "RECON_STRIPE_WEBHOOK_SECRET"
ENV_USAGE_TOKEN = "RECON_USAGE_TOKEN"
ENV_STREAM_DIR = "RECON_STREAM_DIR"
ENV_NATS_URL = "RECON_NATS_URL"
ENV_NATS_STREAM = "RECON_NATS_STREAM"
DEFAULT_STREAM_DIR = Path("data/stream")

#: Stripe's own default tolerance for a signature's timestamp.
TOLERANCE_S = 300
#: Largest request body accepted (a batch of a few thousand usage events fits).
MAX_BODY_BYTES = 1 << 20
#: Largest number of events in one CloudEvents batch.
MAX_BATCH_EVENTS = 1000
#: Largest event key (a Stripe event id, or a CloudEvent's ``<id>@<source>``) in UTF-8 bytes:
#: a log record holds its key's length in 16 bits, and a key is remembered and indexed.
MAX_KEY_BYTES = 1024
#: Range of a Stripe event's ``created`` (Unix seconds, 1970 to 9999): its milliseconds are
#: the landed rows' ``_as_of``, an int64 timestamp.
MAX_CREATED_S = 253_402_300_799
#: The JetStream stream of the log (its subjects: ``<name in lower case>.stripe`` / ``.usage``).
NATS_STREAM = "RECON_EVENTS"


@dataclass(frozen=True)
class StreamConfig:
    """Everything the receiver and the landing need; ``repr`` never shows a secret."""

    stream_dir: Path
    nats_url: str | None = None
    nats_stream: str = NATS_STREAM
    stripe_secrets: tuple[str, ...] = field(default=(), repr=False)
    usage_token: str | None = field(default=None, repr=False)
    max_body_bytes: int = MAX_BODY_BYTES
    tolerance_s: int = TOLERANCE_S

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StreamConfig:
        """Read the environment (``os.environ`` unless given)."""
        env = os.environ if environ is None else environ
        secrets = tuple(s.strip() for s in env.get(ENV_STRIPE_SECRET, "").split(",")
                        if s.strip())
        return cls(
            stream_dir=Path(env.get(ENV_STREAM_DIR) or DEFAULT_STREAM_DIR).absolute(),
            nats_url=env.get(ENV_NATS_URL) or None,
            nats_stream=env.get(ENV_NATS_STREAM) or NATS_STREAM,
            stripe_secrets=secrets,
            usage_token=env.get(ENV_USAGE_TOKEN) or None,
        )

    @property
    def store(self) -> str:
        """``jetstream`` or ``local``."""
        return "jetstream" if self.nats_url else "local"
