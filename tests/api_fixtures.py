"""Request headers for the API's tests (tokens come from the `make_token` fixture in conftest.py)."""

from __future__ import annotations

import uuid


def bearer(token: str) -> dict:
    """The Authorization header for `token`."""
    return {"Authorization": f"Bearer {token}"}


def writing(token: str, key: str | None = None) -> dict:
    """Headers of a write: the token and an Idempotency-Key (a fresh one unless given)."""
    return {**bearer(token), "Idempotency-Key": key or str(uuid.uuid4())}
