"""The issuer's revocation list (W3C Bitstring Status List v1.0) and each certificate's place in it.

Every credential names one bit in a published list by `statusListIndex`. The list is built from the
certificates table when asked for, so an admin's revocation shows in it as soon as that request commits.
Indexes are drawn at random (the spec's advice: a set bit should not hint at who or when) and kept
unique by the database, so two racing requests can never share one.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import ForeignKey, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from course.models import Certificate, Model

LIST_BITS = 131_072  # the spec's minimum size (16 KB): enough certificates share a list to hide each one
FILL_LIMIT = LIST_BITS // 2  # a new list starts at half full, so a random draw rarely collides
DRAWS = 32
PURPOSE = "revocation"
TTL_SECONDS = 300  # how long a verifier may keep a copy of the list; also the HTTP max-age


class CredentialStatusEntry(Model):
    """A certificate's bit in the issuer's revocation lists: list number and index, unique together."""

    __tablename__ = "credential_status_entries"
    __table_args__ = (UniqueConstraint("list_number", "list_index"),)

    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), primary_key=True)
    list_number: Mapped[int]
    list_index: Mapped[int]


def status_entry(session: Session, certificate: Certificate) -> CredentialStatusEntry:
    """The certificate's place in the revocation lists, drawn now if it has none yet (certificates from before)."""
    entry = session.get(CredentialStatusEntry, certificate.id)
    for _ in range(DRAWS):
        if entry is not None:
            return entry
        taken = session.scalar(select(func.count()).select_from(CredentialStatusEntry))
        entry = CredentialStatusEntry(certificate_id=certificate.id, list_number=taken // FILL_LIMIT + 1,
                                      list_index=secrets.randbelow(LIST_BITS))
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:
            # Either the index was taken (draw again) or another request placed this certificate first.
            entry = session.get(CredentialStatusEntry, certificate.id, populate_existing=True)
    if entry is not None:
        return entry
    raise RuntimeError("no free status list index after repeated draws")


def revoked_indexes(session: Session, list_number: int) -> list[int]:
    """The indexes in list `list_number` whose certificates are revoked."""
    return list(session.scalars(
        select(CredentialStatusEntry.list_index)
        .join(Certificate, Certificate.id == CredentialStatusEntry.certificate_id)
        .where(CredentialStatusEntry.list_number == list_number, Certificate.revoked_at.is_not(None))
    ))


def last_changed_at(session: Session, list_number: int, now: datetime) -> datetime:
    """When list `list_number` last changed: its latest revocation, else its first certificate's issue.

    The list's `validFrom` (and its JWT's `nbf`), so a verifier whose clock runs a little slow still accepts it.
    """
    in_list = (select().select_from(CredentialStatusEntry)
               .join(Certificate, Certificate.id == CredentialStatusEntry.certificate_id)
               .where(CredentialStatusEntry.list_number == list_number))
    moment = (session.scalar(in_list.add_columns(func.max(Certificate.revoked_at)))
              or session.scalar(in_list.add_columns(func.min(Certificate.issued_at))))
    if moment is None:
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite aggregates lose the UTC type


def list_exists(session: Session, list_number: int) -> bool:
    """Whether any certificate has been placed in list `list_number` (list 1 always exists)."""
    return list_number == 1 or session.scalar(
        select(func.count()).select_from(CredentialStatusEntry)
        .where(CredentialStatusEntry.list_number == list_number)) > 0


def encode_bits(indexes: list[int], size: int = LIST_BITS) -> str:
    """The spec's `encodedList`: multibase base64url (prefix "u", no padding) of the GZIP-compressed bits.

    Index 0 is the left-most bit of the first byte.
    """
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)  # no timestamp: the same bits always encode the same
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def status_list_url(base_url: str, list_number: int) -> str:
    """The stable URL of a published revocation list."""
    return f"{base_url}/status-lists/{PURPOSE}/{list_number}"


def credential_status(base_url: str, entry: CredentialStatusEntry) -> dict:
    """The credential's `credentialStatus`: a `BitstringStatusListEntry` pointing at its bit."""
    url = status_list_url(base_url, entry.list_number)
    return {"id": f"{url}#{entry.list_index}", "type": "BitstringStatusListEntry", "statusPurpose": PURPOSE,
            "statusListIndex": str(entry.list_index), "statusListCredential": url}


def status_list_credential(base_url: str, list_number: int, issuer: dict, encoded_list: str,
                           valid_from: str) -> dict:
    """The unsigned `BitstringStatusListCredential` for one list."""
    url = status_list_url(base_url, list_number)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": PURPOSE,
                              "encodedList": encoded_list, "ttl": TTL_SECONDS * 1000},
    }


def list_etag(encoded_list: str, kid: str, base_url: str) -> str:
    """A validator for HTTP caches that changes exactly when the bits, the signing key or the address do."""
    return hashlib.sha256("\n".join([encoded_list, kid, base_url]).encode()).hexdigest()[:32]
