"""Certificates as Open Badges 3.0 `OpenBadgeCredential`s, signed as VC-JWT with RS256.

The JWT payload is the credential itself (Verifiable Credentials Data Model 2.0) plus the registered
claims `iss` (issuer.id), `jti` (id), `nbf` (validFrom) and `exp` (validUntil). The `.json` download
is the same credential with the compact JWT as its proof (`{"type": "JwtProof2020", "jwt": …}`).
A credential is built from the frozen certificate record on request; re-downloading after a key
rotation gives the same credential signed with the new key.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import jwt
from flask import current_app, request

from course.certificates.keys import ALGORITHM, SigningKey
from course.models import Certificate

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA = {"id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
          "type": "1EdTechJsonSchemaValidator2019"}
REGISTERED_CLAIMS = ("iss", "jti", "nbf", "exp", "sub")
PROOF_TYPE = "JwtProof2020"


def public_base_url() -> str:
    """The site's public address: `PUBLIC_BASE_URL` when set, else the address of this request."""
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


def issuer_id(base_url: str) -> str:
    """The issuer's id: the URL of its Open Badges profile."""
    return f"{base_url}/issuer"


def verify_url(base_url: str, serial: str) -> str:
    """The public verification page of a certificate; also the credential's id."""
    return f"{base_url}/verify/{serial}"


def issuer_profile(base_url: str, academy_name: str) -> dict:
    """The issuer as an Open Badges `Profile`."""
    return {"id": issuer_id(base_url), "type": ["Profile"], "name": academy_name, "url": f"{base_url}/"}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _urn(base_url: str, *parts: str) -> str:
    # Stable ids for the achievement and its results, derived from the course's content hash.
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join([base_url, "course", *parts])).urn


def achievement(certificate: Certificate, base_url: str) -> dict:
    """The course as an Open Badges `Achievement`, with one result description per module."""
    version = certificate.content_version
    modules = certificate.modules
    criteria = (f"Complete every lesson of the {len(modules)} modules of “{certificate.course_title}” and pass "
                "each module's quiz. A renewal requires passing each module's quiz again within the renewal "
                "window before the certificate expires.")
    data = {
        "id": _urn(base_url, version.content_hash), "type": ["Achievement"], "achievementType": "Certificate",
        "name": certificate.course_title, "description": version.summary.strip() or certificate.course_title,
        "criteria": {"narrative": criteria},
        "resultDescription": [
            {"id": _urn(base_url, version.content_hash, m["slug"]), "type": ["ResultDescription"],
             "name": f"Quiz: {m['title']}", "resultType": "Percent"} for m in modules
        ],
    }
    if certificate.credit_hours:
        data["creditsAvailable"] = certificate.credit_hours
    return data


def build_credential(certificate: Certificate, base_url: str) -> dict:
    """The unsigned `OpenBadgeCredential` for `certificate`."""
    badge = achievement(certificate, base_url)
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "identityHash": certificate.subject_hash, "identityType": "emailAddress",
             "hashed": True, "salt": certificate.subject_salt},
            {"type": "IdentityObject", "identityHash": certificate.recipient_name, "identityType": "name",
             "hashed": False},
        ],
        "achievement": badge,
        "result": [
            {"type": ["Result"], "resultDescription": description["id"], "status": "Completed",
             **({"value": f"{m['score']:g}"} if m.get("score") is not None else {})}
            for m, description in zip(certificate.modules, badge["resultDescription"], strict=True)
        ],
    }
    if certificate.credit_hours:
        subject["creditsEarned"] = certificate.credit_hours
    credential = {
        "@context": CONTEXT, "id": verify_url(base_url, certificate.serial),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certificate.course_title}: certificate of completion",
        "issuer": issuer_profile(base_url, certificate.academy_name),
        "validFrom": _iso(certificate.issued_at),
        "credentialSubject": subject, "credentialSchema": [SCHEMA],
    }
    if certificate.expires_at is not None:
        credential["validUntil"] = _iso(certificate.expires_at)
    return credential


def sign_credential(credential: dict, key: SigningKey) -> str:
    """The compact VC-JWT of `credential`: the credential as payload, with the registered claims."""
    claims = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"],
              "nbf": int(datetime.fromisoformat(credential["validFrom"]).timestamp())}
    if "validUntil" in credential:
        claims["exp"] = int(datetime.fromisoformat(credential["validUntil"]).timestamp())
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"})


def credential_document(credential: dict, token: str) -> dict:
    """The `.json` form: the readable credential carrying its signed JWT as proof."""
    return {**credential, "proof": {"type": PROOF_TYPE, "jwt": token}}
