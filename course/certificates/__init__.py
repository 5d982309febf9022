"""Certificates: issuing and public verification."""
