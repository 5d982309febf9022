"""Certificates as Open Badges 3.0 `OpenBadgeCredential`s, signed as VC-JWT with RS256.

The JWT payload is the credential itself (Verifiable Credentials Data Model 2.0) plus the claims the
VC-JWT mapping of Open Badges 3.0 asks for: `iss` (issuer.id), `sub` (credentialSubject.id), `jti` (id),
`nbf` (validFrom) and `exp` (validUntil). The JOSE header's `kid` is a URL that returns the public key.
The `.json` download is the same credential unsigned, labelled as the readable copy: the `.jwt` is the
proof. A credential is built from the frozen certificate record on request; re-downloading after a key
rotation gives the same credential signed with the new key.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import current_app, request

from course.certificates.keys import ALGORITHM, SigningKey
from course.models import Certificate, ContentVersion

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA = {"id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
          "type": "1EdTechJsonSchemaValidator2019"}
REGISTERED_CLAIMS = ("iss", "jti", "nbf", "exp", "sub")
LEGACY_PROOF_TYPE = "JwtProof2020"  # carried by .json files downloaded before they became unsigned copies
READABLE_COPY = ("Readable copy, not signed. The signed credential is the .jwt file from the same certificate "
                 "page; anyone can check the certificate's status at {url}")


def public_base_url() -> str:
    """The site's public address: `PUBLIC_BASE_URL` when set, else the address of this request."""
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


def issuer_id(base_url: str) -> str:
    """The issuer's id: the URL of its Open Badges profile."""
    return f"{base_url}/issuer"


def verify_url(base_url: str, serial: str) -> str:
    """The public verification page of a certificate; also the credential's id."""
    return f"{base_url}/verify/{serial}"


def key_url(issuer: str, kid: str) -> str:
    """The URL of one public key (a JWK), used as the JOSE `kid`: `<issuer id>/keys/<thumbprint>`."""
    return f"{issuer}/keys/{kid}"


def badge_image_url(base_url: str) -> str:
    """The image shown for the achievement and the credential."""
    return f"{base_url}/issuer/badge.svg"


def achievement_url(base_url: str, content_hash: str) -> str:
    """The achievement's id: a public URL describing what was achieved on this content version."""
    return f"{base_url}/achievements/{content_hash}"


def issuer_profile(base_url: str, academy_name: str) -> dict:
    """The issuer as an Open Badges `Profile`."""
    return {"id": issuer_id(base_url), "type": ["Profile"], "name": academy_name, "url": f"{base_url}/"}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _urn(base_url: str, *parts: str) -> str:
    # Stable ids for the achievement's results, derived from the course's content hash.
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join([base_url, "course", *parts])).urn


def alignments(version: ContentVersion, base_url: str) -> list[dict]:
    """Each module objective of the content version as an Open Badges `Alignment`."""
    url = achievement_url(base_url, version.content_hash)
    return [{"type": ["Alignment"], "targetName": objective["text"], "targetCode": objective["id"],
             "targetDescription": f"Objective of the module “{module.title}”",
             "targetUrl": f"{url}#objective-{module.slug}-{objective['id']}"}
            for module in version.modules for objective in module.objectives]


def achievement(version: ContentVersion, modules: list[dict], base_url: str, credit_hours: float | None) -> dict:
    """The course as an Open Badges `Achievement`, with one result description per module.

    `modules` are the certificate's frozen [{slug, title}], so a credential names what was certified.
    """
    criteria = (f"Complete every lesson of the {len(modules)} modules of “{version.title}” and pass "
                "each module's quiz. A renewal requires passing each module's quiz again within the renewal "
                "window before the certificate expires.")
    data = {
        "id": achievement_url(base_url, version.content_hash), "type": ["Achievement"],
        "achievementType": "Certificate", "name": version.title,
        "description": version.summary.strip() or version.title,
        "criteria": {"id": achievement_url(base_url, version.content_hash) + "#criteria", "narrative": criteria},
        "image": {"id": badge_image_url(base_url), "type": "Image", "caption": version.title},
        "alignment": alignments(version, base_url),
        "resultDescription": [
            {"id": _urn(base_url, version.content_hash, m["slug"]), "type": ["ResultDescription"],
             "name": f"Quiz: {m['title']}", "resultType": "Percent"} for m in modules
        ],
    }
    if not data["alignment"]:
        del data["alignment"]
    if credit_hours:
        data["creditsAvailable"] = credit_hours
    return data


def subject_id(certificate: Certificate) -> str:
    """The credential subject's id (the JWT's `sub`): stable per certificate, and reveals nothing of the holder."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"dignity:subject:{certificate.serial}:{certificate.subject_hash}").urn


def build_credential(certificate: Certificate, base_url: str, status: dict | None = None) -> dict:
    """The unsigned `OpenBadgeCredential` for `certificate`; `status` is its `credentialStatus` entry."""
    course_title = certificate.course_title
    badge = achievement(certificate.content_version, certificate.modules, base_url, certificate.credit_hours)
    badge["name"] = course_title
    subject = {
        "id": subject_id(certificate),
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
        "name": f"{course_title}: certificate of completion",
        "image": {"id": badge_image_url(base_url), "type": "Image", "caption": course_title},
        "issuer": issuer_profile(base_url, certificate.academy_name),
        "validFrom": _iso(certificate.issued_at),
        "awardedDate": _iso(certificate.issued_at),
        "credentialSubject": subject, "credentialSchema": [SCHEMA],
        "refreshService": {"id": refresh_url(base_url, certificate.serial), "type": "1EdTechCredentialRefresh"},
    }
    if certificate.expires_at is not None:
        credential["validUntil"] = _iso(certificate.expires_at)
    if status is not None:
        credential["credentialStatus"] = status
    return credential


def refresh_url(base_url: str, serial: str) -> str:
    """Where the holder gets the current credential for this certificate (a renewal's, once renewed)."""
    return f"{base_url}/certificates/{serial}/refresh"


def sign_credential(credential: dict, key: SigningKey) -> str:
    """The compact VC-JWT of `credential`: the credential as payload, with the registered claims."""
    # Imported here, not above: PyJWT and cryptography (~9 MB) load only in a worker that signs or checks a credential.
    import jwt

    claims = {**credential, "iss": credential["issuer"]["id"], "jti": credential["id"],
              "nbf": int(datetime.fromisoformat(credential["validFrom"]).timestamp())}
    subject = credential.get("credentialSubject", {})
    if isinstance(subject, dict) and "id" in subject:
        claims["sub"] = subject["id"]
    if "validUntil" in credential:
        claims["exp"] = int(datetime.fromisoformat(credential["validUntil"]).timestamp())
    headers = {"kid": key_url(claims["iss"], key.kid), "typ": "JWT"}
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers=headers)


def readable_copy(credential: dict) -> dict:
    """The `.json` form: the credential as readable JSON, unsigned and saying so in its description."""
    return {**credential, "description": READABLE_COPY.format(url=credential["id"])}
