"""Per-process stores of things worth keeping between requests (verified cookies, signed tokens, signed-in users,
trainees' progress, page fragments), each bounded: when one is full it is emptied and refilled as requests ask."""

from __future__ import annotations


def keep(store: dict, key, value, limit: int):
    """Keep `value` under `key` in `store`, emptying the store first when it holds `limit` entries; returns `value`."""
    if len(store) >= limit:
        store.clear()
    store[key] = value
    return value
