"""Signing keys kept as PEM files in a folder: made on first use, rotated by command (certificates, LTI).

Layout of the key folder (never committed; `instance/` is ignored):
  <kid>.key.pem   the private key, only for the current key (mode 0600)
  <kid>.pub.pem   the public key, for every key ever used: all are published in the JWKS
  current         the kid that signs new credentials

A retired key's private half is deleted at rotation; its public half stays, so credentials it
signed keep verifying. Deleting a `.pub.pem` withdraws that key: what it signed stops verifying.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 3072  # credentials must stay checkable for years; 3072-bit RSA is rated beyond 2030
ALGORITHM = "RS256"


@dataclass(frozen=True)
class SigningKey:
    """The private key that signs, with its key id."""

    kid: str
    private_key: rsa.RSAPrivateKey


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(public_key: rsa.RSAPublicKey, kid: str | None = None) -> dict:
    """The JSON Web Key of an RSA public key; `kid` defaults to its RFC 7638 thumbprint."""
    numbers = public_key.public_numbers()
    jwk = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    if kid is None:
        canonical = json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()
        kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM}


class KeyStore:
    """Signing keys kept as PEM files in one folder (never committed: keep it under the instance folder)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    @property
    def _current_file(self) -> Path:
        return self.directory / "current"

    def current_kid(self) -> str | None:
        """The kid of the signing key, or None before the first key is made."""
        try:
            return self._current_file.read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None

    def signing_key(self) -> SigningKey:
        """The current signing key, made now if there is none yet."""
        # Imported here, not above: cryptography (~7 MB) loads only in a worker that signs, checks or publishes keys.
        from cryptography.hazmat.primitives import serialization

        kid = self.current_kid() or self._create_first_key()
        pem = (self.directory / f"{kid}.key.pem").read_bytes()
        return SigningKey(kid, serialization.load_pem_private_key(pem, password=None))

    def public_keys(self) -> dict[str, rsa.RSAPublicKey]:
        """Every published public key by kid, the current one first."""
        # Imported here, not above: cryptography (~7 MB) loads only in a worker that signs, checks or publishes keys.
        from cryptography.hazmat.primitives import serialization

        current = self.current_kid()
        files = sorted(self.directory.glob("*.pub.pem"), key=lambda p: (p.name != f"{current}.pub.pem", p.name))
        return {p.name.removesuffix(".pub.pem"): serialization.load_pem_public_key(p.read_bytes()) for p in files}

    def jwks(self, kid_prefix: str = "") -> dict:
        """The JSON Web Key Set to publish at /.well-known/jwks.json; each `kid` is `kid_prefix` + thumbprint."""
        if self.current_kid() is None:
            self.signing_key()
        return {"keys": [public_jwk(key, kid_prefix + kid) for kid, key in self.public_keys().items()]}

    def rotate(self) -> tuple[str | None, str]:
        """Make a new signing key; keep the old public key published. Returns (old kid, new kid)."""
        old = self.current_kid()
        new = self._write_key_pair()
        temporary = self.directory / f"current.{new}.tmp"
        temporary.write_text(new, encoding="ascii")
        os.replace(temporary, self._current_file)
        if old is not None:
            (self.directory / f"{old}.key.pem").unlink(missing_ok=True)
        return old, new

    def _create_first_key(self) -> str:
        # Two workers may get here at once: each writes a key pair, and an atomic hard link
        # decides which becomes current. The loser removes its pair and uses the winner's.
        kid = self._write_key_pair()
        temporary = self.directory / f"current.{kid}.tmp"
        temporary.write_text(kid, encoding="ascii")
        try:
            os.link(temporary, self._current_file)
        except FileExistsError:
            for suffix in (".key.pem", ".pub.pem"):
                (self.directory / f"{kid}{suffix}").unlink(missing_ok=True)
            kid = self.current_kid()
        finally:
            temporary.unlink(missing_ok=True)
        return kid

    def _write_key_pair(self) -> str:
        # Imported here, not above: cryptography (~7 MB) loads only in a worker that signs, checks or publishes keys.
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        kid = public_jwk(private_key.public_key())["kid"]
        private_pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption())
        descriptor = os.open(self.directory / f"{kid}.key.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_pem)
        public_pem = private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo)
        (self.directory / f"{kid}.pub.pem").write_bytes(public_pem)
        return kid
