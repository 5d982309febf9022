"""The shared core: what every area may import, and nothing above it (see docs/architecture.md)."""
