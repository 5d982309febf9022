"""Every form of the credential, and the issuer profile, against 1EdTech's official Open Badges 3.0 JSON schemas.

The schemas are vendored unchanged under tests/fixtures/openbadges/ (source, commit and licence in its README).
"""

import json
from pathlib import Path

import jwt
import pytest
from jsonschema import Draft201909Validator

from tests.certificate_steps import earn_certificate

SCHEMAS = Path(__file__).parent / "fixtures" / "openbadges"


def validator(name: str) -> Draft201909Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema)


CREDENTIAL = validator("ob_v3p0_achievementcredential.json")
PROFILE = validator("ob_v3p0_profile.json")


def problems(checker: Draft201909Validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in checker.iter_errors(document)]


@pytest.fixture
def forms(client, app, trainee):
    """The signed VC-JWT's payload and the readable .json copy of a freshly earned certificate."""
    cert = earn_certificate(client, app)
    token = client.get(f"/certificates/{cert.serial}/credential.jwt").get_data(as_text=True)
    readable = client.get(f"/certificates/{cert.serial}/credential.json").get_json()
    return jwt.decode(token, options={"verify_signature": False}), readable


def test_the_signed_credential_validates_against_the_official_schema(forms):
    payload, _readable = forms
    assert problems(CREDENTIAL, payload) == []


def test_the_readable_copy_validates_against_the_official_schema(forms):
    _payload, readable = forms
    assert problems(CREDENTIAL, readable) == []


def test_the_issuer_profile_validates_against_the_official_schema(client, forms):
    payload, _readable = forms
    profile = client.get("/issuer").get_json()
    assert profile["id"] == payload["issuer"]["id"]
    assert problems(PROFILE, profile) == []
    assert problems(PROFILE, payload["issuer"]) == []


def test_the_schema_refuses_a_credential_that_breaks_it(forms):
    payload, _readable = forms
    broken = {key: value for key, value in payload.items() if key != "credentialSubject"}
    assert any("credentialSubject" in line for line in problems(CREDENTIAL, broken))
    wrong_context = {**payload, "@context": ["https://www.w3.org/2018/credentials/v1"]}
    assert problems(CREDENTIAL, wrong_context)
