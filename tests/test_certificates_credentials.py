"""Open Badges 3.0 credentials: signed VC-JWTs that anyone can check with our published keys alone."""

import hashlib
import io
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from course.certificates.credentials import key_url
from course.extensions import db
from course.models import AuditEvent, Role
from tests.certificate_steps import age_records, earn_certificate, pass_all_quizzes_again, revoke
from tests.conftest import AuthActions

ISSUER = "http://localhost/issuer"


def download(client, serial: str, file_format: str) -> str:
    response = client.get(f"/certificates/{serial}/credential.{file_format}")
    assert response.status_code == 200, response.status_code
    assert f"credential-{serial}.{file_format}" in response.headers["Content-Disposition"]
    return response.get_data(as_text=True)


def verify_independently(client, token: str, issuer: str = ISSUER) -> dict:
    """A third party's check: PyJWT and the published JWKS only, none of our code."""
    jwks = json.loads(client.get("/.well-known/jwks.json").get_data(as_text=True))
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    return jwt.decode(token, key.key, algorithms=["RS256"], issuer=issuer)


def change_one_character(token: str) -> str:
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    swapped = "B" if payload[middle] != "B" else "C"
    return ".".join([header, payload[:middle] + swapped + payload[middle + 1:], signature])


def check(client, text: str | None = None, **data):
    if text is not None:
        data["credential_text"] = text
    return client.post("/verify", data=data)


def test_the_jwt_is_an_open_badge_credential_that_verifies_with_the_jwks_alone(client, app, trainee):
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    claims = verify_independently(client, token)
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert "https://www.w3.org/ns/credentials/v2" in claims["@context"]
    assert claims["issuer"] == {"id": ISSUER, "type": ["Profile"], "name": "Test Academy", "url": "http://localhost/"}
    assert claims["id"] == claims["jti"] == f"http://localhost/verify/{cert.serial}"
    assert claims["validFrom"].startswith(cert.issued_at.strftime("%Y-%m-%d"))
    assert claims["validUntil"].startswith(cert.expires_at.strftime("%Y-%m-%d"))
    assert claims["exp"] == int(cert.expires_at.timestamp())
    subject = claims["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["name"] == "Test Course"
    assert subject["achievement"]["criteria"]["narrative"]
    assert subject["creditsEarned"] == 2
    assert [r["value"] for r in subject["result"]] == ["100", "100"]
    identity = subject["identifier"][0]
    assert identity["type"] == "IdentityObject"
    assert identity["hashed"] is True
    expected = hashlib.sha256((trainee.email + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert trainee.email not in json.dumps(claims)


def test_one_changed_character_fails_both_checks(client, app, trainee):
    cert = earn_certificate(client, app)
    forged = change_one_character(download(client, cert.serial, "jwt"))
    with pytest.raises(jwt.InvalidSignatureError):
        verify_independently(client, forged)
    html = check(client, forged).get_data(as_text=True)
    assert "The signature does not match" in html
    assert "Genuine and valid" not in html


def test_a_pasted_or_uploaded_credential_is_checked_in_words(client, app, trainee, auth):
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    auth.logout()
    pasted = check(client, token)
    assert pasted.status_code == 200
    assert "Genuine and valid" in pasted.get_data(as_text=True)
    uploaded = check(client, credential_file=(io.BytesIO(token.encode()), "credential.jwt"))
    assert "Genuine and valid" in uploaded.get_data(as_text=True)
    assert trainee.name in uploaded.get_data(as_text=True)


def test_the_json_download_is_the_readable_copy_and_says_it_is_unsigned(client, app, trainee):
    cert = earn_certificate(client, app)
    document = json.loads(download(client, cert.serial, "json"))
    claims = verify_independently(client, download(client, cert.serial, "jwt"))
    assert "proof" not in document  # no made-up proof type: the .jwt is the proof
    assert document["description"].startswith("Readable copy, not signed.")
    assert {k: v for k, v in document.items() if k != "description"} == \
        {k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf", "exp", "sub")}
    html = check(client, json.dumps(document)).get_data(as_text=True)
    assert "carries no signature" in html
    assert "Genuine and valid" not in html


def test_a_json_with_the_old_jwt_proof_still_verifies_and_a_changed_one_fails(client, app, trainee):
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    claims = jwt.decode(token, options={"verify_signature": False})
    document = {**{k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf", "exp", "sub")},
                "proof": {"type": "JwtProof2020", "jwt": token}}  # as .json files were before they became copies
    assert "Genuine and valid" in check(client, json.dumps(document)).get_data(as_text=True)
    document["credentialSubject"]["creditsEarned"] = 20
    assert "The signature does not match the text" in check(client, json.dumps(document)).get_data(as_text=True)


def test_json_checks_can_be_asked_for_by_programs(client, app, trainee):
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    result = client.post("/verify", data={"credential_text": token}, headers={"Accept": "application/json"})
    assert result.get_json() == {"valid": True, "signature_valid": True, "problems": [], "serial": cert.serial}


def test_revocation_and_renewal_show_in_the_credential_check_at_once(client, app, trainee, make_user):
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    admin = app.test_client()
    AuthActions(admin).login(make_user(Role.ADMIN).email)
    revoke(admin, cert.serial, public="Issued in error")
    html = check(client, token).get_data(as_text=True)
    assert "Genuine, but not valid" in html
    assert "Revoked on" in html
    assert "Issued in error" in html
    assert "Ticket 42" not in html  # the internal note stays internal


def test_a_credential_from_another_key_or_issuer_is_refused(client, app, trainee):
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    claims = jwt.decode(token, options={"verify_signature": False})
    kid = jwt.get_unverified_header(token)["kid"]
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    same_kid = jwt.encode(claims, impostor, algorithm="RS256", headers={"kid": kid})
    assert "The signature does not match" in check(client, same_kid).get_data(as_text=True)
    other_kid = jwt.encode(claims, impostor, algorithm="RS256", headers={"kid": "someone-else"})
    assert "any key this academy publishes" in check(client, other_kid).get_data(as_text=True)
    app.config["PUBLIC_BASE_URL"] = "https://elsewhere.example"  # the same key, another site's name
    elsewhere = download(client, cert.serial, "jwt")
    app.config["PUBLIC_BASE_URL"] = ""
    assert "Wrong issuer" in check(client, elsewhere).get_data(as_text=True)


@pytest.mark.parametrize("text", ["hello", "{}", '{"proof": {"type": "JwtProof2020", "jwt": "a.b"}}', "a.b.c"])
def test_anything_else_gets_an_explanation_not_an_error(client, text):
    response = check(client, text)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "not a credential we can read" in html or "carries no signature" in html


def test_an_empty_or_oversized_submission_is_explained(client):
    assert "Choose a credential file" in check(client, "").get_data(as_text=True)
    big = check(client, credential_file=(io.BytesIO(b"x" * 70_000), "big.jwt"))
    assert big.status_code == 400
    assert "larger than 64 KB" in big.get_data(as_text=True)
    huge = check(client, credential_file=(io.BytesIO(b"x" * 300_000), "huge.jwt"))
    assert huge.status_code == 400
    assert "larger than 64 KB" in huge.get_data(as_text=True)


def test_rotation_keeps_old_credentials_verifying_and_is_audited(client, app, trainee, make_user):
    cert = earn_certificate(client, app)
    old_token = download(client, cert.serial, "jwt")
    admin = make_user(Role.ADMIN)
    result = app.test_cli_runner().invoke(args=["keys", "rotate", "--by", admin.email])
    assert result.exit_code == 0, result.output
    new_token = download(client, cert.serial, "jwt")
    old_kid, new_kid = (jwt.get_unverified_header(t)["kid"] for t in (old_token, new_token))
    assert old_kid != new_kid
    kids = [key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert kids[0] == new_kid
    assert old_kid in kids
    assert verify_independently(client, old_token)["jti"] == verify_independently(client, new_token)["jti"]
    assert "Genuine and valid" in check(client, old_token).get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signing_key.rotated"))
        assert event.actor_id == admin.id
        assert key_url(ISSUER, event.details["previous_kid"]) == old_kid
        assert key_url(ISSUER, event.target_id) == new_kid
    listing = app.test_cli_runner().invoke(args=["keys", "list"])
    assert f"{event.target_id}  current" in listing.output
    assert f"{event.details['previous_kid']}  retired" in listing.output


def test_keys_are_made_on_first_use_in_the_instance_folder_and_private_keys_stay_private(make_app, tmp_path):
    app = make_app(CREDENTIAL_KEY_DIR=str(tmp_path / "keys"))
    assert not (tmp_path / "keys").exists()
    keys = app.test_client().get("/.well-known/jwks.json").get_json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert "d" not in keys[0]
    [private] = (tmp_path / "keys").glob("*.key.pem")
    assert private.stat().st_mode & 0o777 == 0o600
    app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert len(list((tmp_path / "keys").glob("*.key.pem"))) == 1  # the retired private key is gone
    assert len(app.test_client().get("/.well-known/jwks.json").get_json()["keys"]) == 2


def test_the_issuer_profile_is_published(client):
    profile = client.get("/issuer").get_json()
    assert profile["id"] == ISSUER
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "Test Academy"


def test_a_superseded_credential_says_so(client, app, trainee):
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    age_records(app, trainee.id, 700)
    pass_all_quizzes_again(client, app)
    html = check(client, token).get_data(as_text=True)
    assert "Superseded by a renewal" in html


def test_a_spoofed_host_header_never_reaches_a_credential_or_a_link(client, app, trainee):
    app.config["PUBLIC_BASE_URL"] = "https://training.academy.example"
    cert = earn_certificate(client, app)
    evil = {"Host": "evil.example"}
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")  # still signed in
    token = client.get(f"/certificates/{cert.serial}/credential.jwt", headers=evil).get_data(as_text=True)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == "https://training.academy.example/issuer"
    assert claims["jti"] == f"https://training.academy.example/verify/{cert.serial}"
    assert "evil.example" not in token + json.dumps(claims)
    page = client.get(f"/certificates/{cert.serial}", headers=evil).get_data(as_text=True)
    assert f"https://training.academy.example/verify/{cert.serial}" in page
    assert "evil.example" not in page
