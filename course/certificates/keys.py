"""The issuer's signing keys: made on first use in the instance folder, rotated by command.

The key folder's layout and rotation are `course.core.keystore.KeyStore`'s (shared with the LTI tool keys).
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from course.core.keystore import ALGORITHM, KEY_BITS, KeyStore, SigningKey, public_jwk

__all__ = ["ALGORITHM", "KEY_BITS", "KeyStore", "SigningKey", "key_store", "public_jwk"]


def key_store() -> KeyStore:
    """The key store of the current app (`CREDENTIAL_KEY_DIR`, default `instance/keys`)."""
    configured = current_app.config.get("CREDENTIAL_KEY_DIR")
    return KeyStore(Path(configured) if configured else Path(current_app.instance_path) / "keys")
