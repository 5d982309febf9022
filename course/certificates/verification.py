"""Checking a presented credential: signature, issuer, dates, and live revocation and supersession."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.certificates.credentials import LEGACY_PROOF_TYPE, REGISTERED_CLAIMS
from course.certificates.keys import ALGORITHM, KeyStore
from course.models import Certificate, CertificateStatus

COMPACT_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
SERIAL_IN_ID = re.compile(r"/verify/([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}-[0-9A-Z])$")

UNREADABLE = _l("This is not a credential we can read. Upload the .jwt or .json file from the certificate page, "
              "or paste its whole content.")
NO_PROOF = _l("This JSON carries no signature: it is the readable copy. Upload the .jwt file from the certificate "
            "page, which is the signed credential.")
UNKNOWN_KEY = _l("The signature does not match any key this academy publishes: the credential was not issued "
               "here, or its signing key was withdrawn.")
BAD_SIGNATURE = _l("The signature does not match: the credential was changed after it was issued, "
                 "or it was not issued by this academy.")
TEXT_CHANGED = _l("The signature does not match the text: the JSON was changed after it was signed.")


class CredentialUnreadable(ValueError):
    """The presented text is not a credential; the message says so in words."""


@dataclass
class CredentialCheck:
    """The outcome of checking a credential: what is wrong, in words, and what it refers to."""

    problems: list[str] = field(default_factory=list)
    signature_valid: bool = False
    claims: dict | None = None
    certificate: Certificate | None = None

    @property
    def valid(self) -> bool:
        return self.signature_valid and not self.problems


def _date(moment: datetime) -> str:
    return format_date(moment, "long")


def read_presented(text: str) -> tuple[str, dict | None]:
    """The compact JWT in `text`, and the JSON body when the credential came as `.json`."""
    text = (text or "").strip().lstrip("\ufeff")
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested thousands deep
            raise CredentialUnreadable(UNREADABLE) from exc
        proof = document.get("proof") if isinstance(document, dict) else None
        token = proof.get("jwt") if isinstance(proof, dict) and proof.get("type") == LEGACY_PROOF_TYPE else None
        if not isinstance(token, str) or not COMPACT_JWT.match(token):
            raise CredentialUnreadable(NO_PROOF)
        return token, {k: v for k, v in document.items() if k != "proof"}
    if not COMPACT_JWT.match(text):
        raise CredentialUnreadable(UNREADABLE)
    return text, None


def _published_key(keys: KeyStore, kid: object):
    """Our public key named by `kid`: a key URL (`…/issuer/keys/<thumbprint>`) or an older bare thumbprint.

    Only our own stored keys are ever used; a credential naming another site is caught by the issuer check.
    """
    kid = str(kid)
    thumbprint = kid.rsplit("/keys/", 1)[-1] if kid.startswith(("http://", "https://")) else kid
    return None if "/" in thumbprint else keys.public_keys().get(thumbprint)


def _verified_claims(token: str, keys: KeyStore) -> dict:
    """The JWT's claims if its signature is one of ours. Raises CredentialUnreadable with the reason."""
    # Imported here, not above: PyJWT and cryptography (~9 MB) load only in a worker that signs or checks a credential.
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except (jwt.DecodeError, RecursionError) as exc:
        raise CredentialUnreadable(UNREADABLE) from exc
    if header.get("alg") != ALGORITHM:
        raise CredentialUnreadable(_("The credential is signed with %(alg)s, not %(expected)s: "
                                     "it was not issued by this academy.", alg=str(header.get("alg")),
                                     expected=ALGORITHM))
    key = _published_key(keys, header.get("kid"))
    if key is None:
        raise CredentialUnreadable(UNKNOWN_KEY)
    try:
        return jwt.decode(token, key, algorithms=[ALGORITHM], options={
            "verify_exp": False, "verify_nbf": False, "require": ["iss", "jti", "nbf"]})
    except jwt.InvalidSignatureError as exc:
        raise CredentialUnreadable(BAD_SIGNATURE) from exc
    except jwt.InvalidTokenError as exc:
        raise CredentialUnreadable(UNREADABLE) from exc


def check_credential(session: Session, text: str, keys: KeyStore, expected_issuer: str,
                     now: datetime) -> CredentialCheck:
    """Check `text` (a compact VC-JWT or our `.json` form) against our keys and the live record."""
    check = CredentialCheck()
    try:
        token, body = read_presented(text)
        claims = _verified_claims(token, keys)
    except CredentialUnreadable as exc:
        check.problems.append(str(exc))
        return check
    check.signature_valid, check.claims = True, claims
    if body is not None and body != {k: v for k, v in claims.items() if k not in REGISTERED_CLAIMS}:
        check.problems.append(TEXT_CHANGED)
    if claims["iss"] != expected_issuer:
        check.problems.append(_("Wrong issuer: the credential names %(named)s as its issuer; this academy "
                                "is %(expected)s.", named=claims["iss"], expected=expected_issuer))
        return check
    valid_from = datetime.fromtimestamp(claims["nbf"], UTC)
    if now < valid_from:
        check.problems.append(_("Not valid yet: it is valid from %(date)s.", date=_date(valid_from)))
    match = SERIAL_IN_ID.search(str(claims["jti"]))
    certificate = session.scalar(select(Certificate).where(Certificate.serial == match.group(1))) if match else None
    if certificate is None:
        check.problems.append(_("No certificate with this credential's serial exists at this academy."))
        return check
    check.certificate = certificate
    check.problems.extend(status_problems(certificate, claims, now))
    return check


def status_problems(certificate: Certificate, claims: dict, now: datetime) -> list[str]:
    """What the live record says against the certificate: revoked, superseded or expired."""
    status = certificate.status_at(now)
    if status == CertificateStatus.REVOKED:
        if certificate.revocation_reason:
            return [_("Revoked on %(date)s: %(reason)s", date=_date(certificate.revoked_at),
                      reason=certificate.revocation_reason)]
        return [_("Revoked on %(date)s.", date=_date(certificate.revoked_at))]
    if status == CertificateStatus.SUPERSEDED and certificate.reissued:
        return [_("Superseded on %(date)s by a reissue with corrected details (certificate %(serial)s); ask the "
                  "holder for the current certificate.", date=_date(certificate.superseded_at),
                  serial=certificate.superseded_by.serial)]
    if status == CertificateStatus.SUPERSEDED:
        return [_("Superseded by a renewal on %(date)s (certificate %(serial)s); ask the holder for the current "
                  "certificate.", date=_date(certificate.superseded_at), serial=certificate.superseded_by.serial)]
    expires = certificate.expires_at or (datetime.fromtimestamp(claims["exp"], UTC) if "exp" in claims else None)
    if expires is not None and now >= expires:
        return [_("Expired on %(date)s.", date=_date(expires))]
    return []
