"""Revocation reaches the credential: each one names its bit in a signed, published status list."""

import base64
import gzip
import json
import threading

import jwt
import pytest
from sqlalchemy import func, select

from course.certificates import status_list
from course.certificates.status_list import LIST_BITS, CredentialStatusEntry, encode_bits, status_entry
from course.extensions import db
from course.models import Certificate, Role
from tests.certificate_steps import age_records, earn_certificate, pass_all_quizzes_again, revoke
from tests.conftest import AuthActions

BASE = "http://localhost"
THREADS = 5


def credential_claims(client, serial: str) -> dict:
    response = client.get(f"/certificates/{serial}/credential.jwt")
    assert response.status_code == 200
    return jwt.decode(response.get_data(as_text=True), options={"verify_signature": False})


def status_bit(client, entry: dict) -> int:
    """Read the bit the way the spec says: multibase base64url, GZIP, index 0 the left-most bit."""
    response = client.get(entry["statusListCredential"].removeprefix(BASE))
    claims = jwt.decode(response.get_data(as_text=True), options={"verify_signature": False})
    encoded = claims["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    index = int(entry["statusListIndex"])
    return bits[index // 8] >> (7 - index % 8) & 1


@pytest.fixture
def admin_client(app, make_user):
    admin = app.test_client()
    AuthActions(admin).login(make_user(Role.ADMIN).email)
    return admin


def test_every_credential_names_its_bit_in_the_published_revocation_list(client, app, trainee):
    cert = earn_certificate(client, app)
    status = credential_claims(client, cert.serial)["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"{BASE}/status-lists/revocation/1"
    assert status["id"] == f"{status['statusListCredential']}#{status['statusListIndex']}"
    assert 0 <= int(status["statusListIndex"]) < LIST_BITS
    assert status_bit(client, status) == 0
    with app.app_context():  # drawn at issue, not at download
        assert db.session.scalar(select(func.count()).select_from(CredentialStatusEntry)) == 1


def test_the_status_list_is_a_signed_credential_with_http_caching(client, app, trainee):
    earn_certificate(client, app)
    response = client.get("/status-lists/revocation/1")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert response.cache_control.public
    assert response.cache_control.max_age == 300
    assert response.headers["ETag"]
    token = response.get_data(as_text=True)
    header = jwt.get_unverified_header(token)
    key = client.get(header["kid"].removeprefix(BASE)).get_json()
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], issuer=f"{BASE}/issuer")
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert claims["credentialSubject"]["type"] == "BitstringStatusList"
    assert claims["credentialSubject"]["statusPurpose"] == "revocation"
    assert claims["credentialSubject"]["ttl"] == 300_000
    again = client.get("/status-lists/revocation/1", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/status-lists/revocation/2").status_code == 404


def test_revoking_flips_the_bit_in_the_same_request_and_stops_the_downloads(client, app, trainee, admin_client):
    cert = earn_certificate(client, app)
    status = credential_claims(client, cert.serial)["credentialStatus"]
    etag = client.get("/status-lists/revocation/1").headers["ETag"]
    revoke(admin_client, cert.serial)
    assert status_bit(client, status) == 1
    listed = jwt.decode(client.get("/status-lists/revocation/1").get_data(as_text=True),
                        options={"verify_signature": False})
    with app.app_context():
        revoked_at = db.session.get(Certificate, cert.id).revoked_at
    assert listed["validFrom"] == revoked_at.strftime("%Y-%m-%dT%H:%M:%SZ")  # valid since its last change
    changed = client.get("/status-lists/revocation/1", headers={"If-None-Match": etag})
    assert changed.status_code == 200  # a cached copy is not revalidated as current
    for file_format in ("jwt", "json"):
        refused = client.get(f"/certificates/{cert.serial}/credential.{file_format}")
        assert refused.status_code == 410
        assert "Revoked on" in refused.get_data(as_text=True)
        assert "Content-Disposition" not in refused.headers
    page = client.get(f"/certificates/{cert.serial}").get_data(as_text=True)
    assert "Revoked on" in page
    assert "credential.jwt" not in page
    assert "credential.json" not in page
    assert "no signed credential is offered" in page
    history = client.get("/certificates").get_data(as_text=True)
    assert "Revoked on" in history
    assert "credential.jwt" not in history


def test_certificates_from_before_the_status_list_get_a_bit_when_first_downloaded(client, app, trainee):
    cert = earn_certificate(client, app)
    with app.app_context():
        db.session.query(CredentialStatusEntry).delete()
        db.session.commit()
    status = credential_claims(client, cert.serial)["credentialStatus"]
    assert credential_claims(client, cert.serial)["credentialStatus"] == status  # drawn once, then kept


def test_a_drawn_index_that_is_taken_is_drawn_again(app, trainee, client, monkeypatch):
    earn_certificate(client, app)
    draws = iter([7, 7, 7, 12])
    monkeypatch.setattr(status_list.secrets, "randbelow", lambda _n: next(draws))
    with app.app_context():
        certificates = db.session.scalars(select(Certificate)).all()
        db.session.query(CredentialStatusEntry).delete()
        first = status_entry(db.session, certificates[0])
        other = Certificate(**{c.name: getattr(certificates[0], c.name) for c in Certificate.__table__.columns
                               if c.name not in ("id", "serial", "sequence")}, serial="TEST-0000-0000-0000-0",
                            sequence=99)
        db.session.add(other)
        db.session.flush()
        second = status_entry(db.session, other)
        assert (first.list_index, second.list_index) == (7, 12)
        db.session.rollback()


def test_encoded_lists_follow_the_spec_bit_order():
    encoded = encode_bits([0, 9], size=16)
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == bytes([0b1000_0000, 0b0100_0000])


def test_a_superseded_credential_refreshes_to_the_renewal(client, app, trainee):
    cert = earn_certificate(client, app)
    claims = credential_claims(client, cert.serial)
    assert claims["refreshService"] == {"id": f"{BASE}/certificates/{cert.serial}/refresh",
                                        "type": "1EdTechCredentialRefresh"}
    assert client.get(f"/certificates/{cert.serial}/refresh").headers["Location"].endswith(
        f"/certificates/{cert.serial}/credential.jwt")
    age_records(app, trainee.id, 700)
    pass_all_quizzes_again(client, app)
    with app.app_context():
        renewal = db.session.scalar(select(Certificate).where(Certificate.superseded_by_id.is_(None)))
    location = client.get(f"/certificates/{cert.serial}/refresh").headers["Location"]
    assert location.endswith(f"/certificates/{renewal.serial}/credential.jwt")
    assert status_bit(client, claims["credentialStatus"]) == 0  # superseded is not revoked


def test_racing_first_downloads_share_one_bit(client, app, trainee):
    cert = earn_certificate(client, app)
    with app.app_context():  # as for a certificate issued before the status list existed
        db.session.query(CredentialStatusEntry).delete()
        db.session.commit()
    clients = [app.test_client() for _ in range(THREADS)]
    for each in clients:
        AuthActions(each).login(trainee.email)
    barrier, tokens = threading.Barrier(THREADS), []

    def download(each):
        barrier.wait()
        tokens.append(each.get(f"/certificates/{cert.serial}/credential.jwt").get_data(as_text=True))

    threads = [threading.Thread(target=download, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = {json.dumps(jwt.decode(t, options={"verify_signature": False})["credentialStatus"]) for t in tokens}
    assert len(tokens) == THREADS
    assert len(statuses) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CredentialStatusEntry)) == 1
