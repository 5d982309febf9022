"""The JSON API (/api/v1) for personnel systems: tokens, reads, writes and incremental sync."""
