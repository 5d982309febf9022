"""Open Badges 3.0 conformance of the credential, checked against the specification's text.

These assertions cover what a JSON schema cannot: the VC-JWT proof format (section 8.2), claim equalities
and key URLs. tests/test_certificates_schema.py validates the same forms against 1EdTech's official
schemas, and tests/test_certificates_independent.py runs LearnCard's independent validators over them.
"""


import jwt
import pytest

from tests.certificate_steps import earn_certificate

BASE = "http://localhost"
ISSUER = f"{BASE}/issuer"


@pytest.fixture
def issued(client, app, trainee):
    """A freshly earned certificate's VC-JWT, its claims and its JOSE header."""
    cert = earn_certificate(client, app)
    token = client.get(f"/certificates/{cert.serial}/credential.jwt").get_data(as_text=True)
    return cert, token, jwt.decode(token, options={"verify_signature": False}), jwt.get_unverified_header(token)


def test_the_jose_header_names_a_key_url_that_returns_the_jwk(client, issued):
    _cert, token, _claims, header = issued
    assert header["alg"] == "RS256"
    assert header["typ"] == "JWT"
    assert header["kid"].startswith(f"{ISSUER}/keys/")
    response = client.get(header["kid"].removeprefix(BASE))
    assert response.mimetype == "application/jwk+json"
    jwk = response.get_json()
    assert jwk["kid"] == header["kid"]
    assert "d" not in jwk
    jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"], issuer=ISSUER)
    assert header["kid"] in [key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]]


def test_the_registered_claims_map_the_credential(issued):
    cert, _token, claims, _header = issued
    assert claims["iss"] == claims["issuer"]["id"] == ISSUER
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["sub"].startswith("urn:uuid:")
    assert claims["jti"] == claims["id"] == f"{BASE}/verify/{cert.serial}"
    assert claims["nbf"] == int(cert.issued_at.timestamp())
    assert claims["exp"] == int(cert.expires_at.timestamp())


def test_the_credential_has_the_required_and_promised_properties(issued):
    cert, _token, claims, _header = issued
    assert claims["@context"][:2] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(claims["type"])
    assert claims["name"]
    assert claims["awardedDate"] == claims["validFrom"]
    assert claims["image"] == {"id": f"{BASE}/issuer/badge.svg", "type": "Image", "caption": "Test Course"}
    assert claims["issuer"]["type"] == ["Profile"]
    assert claims["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
    assert claims["refreshService"]["type"] == "1EdTechCredentialRefresh"
    assert {"id", "type"} <= set(claims["credentialStatus"])
    assert "proof" not in claims  # the JWT is the proof (an embedded proof would have to be a list)
    subject = claims["credentialSubject"]
    assert "AchievementSubject" in subject["type"]
    achievement = subject["achievement"]
    assert {"id", "type", "criteria", "description", "name"} <= set(achievement)
    assert "Achievement" in achievement["type"]
    assert achievement["criteria"]["narrative"]
    assert achievement["image"]["type"] == "Image"


def test_the_achievement_aligns_to_each_course_objective_and_is_published(client, issued):
    _cert, _token, claims, _header = issued
    achievement = claims["credentialSubject"]["achievement"]
    alignment = achievement["alignment"]
    assert [a["targetCode"] for a in alignment] == ["basics-one", "basics-two", "practice-one"]
    assert alignment[0]["targetName"] == "Identify the first thing."
    assert all(a["type"] == ["Alignment"] and a["targetUrl"].startswith(achievement["id"] + "#") for a in alignment)
    published = client.get(achievement["id"].removeprefix(BASE))
    assert published.status_code == 200
    assert published.get_json()["alignment"] == alignment
    assert published.get_json()["criteria"] == achievement["criteria"]
    assert client.get("/achievements/no-such-version").status_code == 404


def test_the_issuer_profile_and_the_badge_image_are_published(client, issued):
    _cert, _token, claims, _header = issued
    profile = client.get(claims["issuer"]["id"].removeprefix(BASE)).get_json()
    assert profile["id"] == ISSUER
    image = client.get(claims["image"]["id"].removeprefix(BASE))
    assert image.status_code == 200
    assert image.mimetype == "image/svg+xml"
    assert "<title" in image.get_data(as_text=True)
