"""The tool's own signing keys: made on first use under the instance folder (never committed), published as a JWKS.

The platform checks with them what Dignity signs: the client assertion that asks for an access token (grades,
rosters) and the deep-linking response. Same folder layout and rotation as the certificate keys
(`course.core.keystore`); `LTI_KEY_DIR` chooses the folder (default `instance/lti-keys`).
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from pylti1p3.registration import Registration

from course.core.keystore import KeyStore


def tool_key_store() -> KeyStore:
    """The LTI key store of the current app."""
    configured = current_app.config.get("LTI_KEY_DIR")
    return KeyStore(Path(configured) if configured else Path(current_app.instance_path) / "lti-keys")


# Loading an RSA private key checks it, which takes most of a second for a 3072-bit key: each process loads
# the current key once (per folder and kid; a rotation names a new kid) and keeps the key object.
_LOADED: dict[tuple[str, str], tuple[rsa.RSAPrivateKey, str]] = {}


def tool_signing_key() -> tuple[rsa.RSAPrivateKey, str]:
    """The current private key (a key object, which PyJWT signs with) and its public key as PEM."""
    store = tool_key_store()
    kid = store.current_kid()
    if (str(store.directory), kid) not in _LOADED:
        signing = store.signing_key()  # made now if there is none yet
        public = signing.private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        kid = signing.kid
        _LOADED[(str(store.directory), kid)] = (signing.private_key, public.decode())
    return _LOADED[(str(store.directory), kid)]


def tool_jwks() -> dict:
    """Every published public key as a JSON Web Key Set, with the key ids the LTI library signs with."""
    store = tool_key_store()
    if store.current_kid() is None:
        store.signing_key()
    pems = [key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
            for key in store.public_keys().values()]
    return {"keys": [dict(Registration.get_jwk(pem)) for pem in pems]}
