"""Request limits: a body-size cap and a token-bucket rate limit per client address."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

MAX_BODY_BYTES = 1024 * 1024
"""Default cap on a request body (1 MiB): far above a real request, far below a memory problem."""
MAX_EVALUATIONS = 1000
"""Default cap on the evaluations of one batch request."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    """A token bucket per client: `rate` requests a second on average, bursts of up to `burst`.

    A batch counts as many requests as it has evaluations. Buckets idle for a minute are dropped,
    so many clients don't grow memory without bound.
    """

    rate: float
    burst: float
    clock: object = field(default=time.monotonic, repr=False)
    _buckets: dict[str, _Bucket] = field(default_factory=dict, repr=False)
    _swept: float = 0.0

    def allow(self, client: str, cost: float = 1.0) -> float:
        """0.0 when the request may proceed (tokens taken), else the seconds to wait before retrying."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()  # type: ignore[operator]
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if now - self._swept > 60:
            self._sweep(now)
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            return 0.0
        return (cost - bucket.tokens) / self.rate

    def _sweep(self, now: float) -> None:
        self._swept = now
        for client in [c for c, b in self._buckets.items() if now - b.updated > 60]:
            del self._buckets[client]
