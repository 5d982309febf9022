"""Independent verifiers agree: code we did not write accepts our credentials, and refuses them when it should.

`tests/verifier/verify.mjs` drives `jose` (VC-JWT), Digital Bazaar's Bitstring Status List library and
LearnCard's Open Badges 3.0 validators; see tests/independent_verifier.py for how it is run.
"""

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import jwt

from course.certificates.keys import key_store
from tests.certificate_steps import earn_certificate, revoke
from tests.independent_verifier import VERIFIER, fetched_documents, node_verifier, verify_with_node
from tests.test_certificates_credentials import change_one_character
from tests.test_certificates_status import admin_client  # noqa: F401 - fixture

ISSUER = "http://localhost/issuer"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "certificates.md"
DOCS_BASE = "https://training.academy.example"  # the address the documented commands use


def download(client, serial: str, file_format: str) -> str:
    response = client.get(f"/certificates/{serial}/credential.{file_format}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_genuine_credential_is_valid_to_an_independent_verifier(client, app, trainee):
    cert = earn_certificate(client, app)
    readable = json.loads(download(client, cert.serial, "json"))
    report = verify_with_node(client, download(client, cert.serial, "jwt"), ISSUER, readable=readable)
    assert report["problems"] == []
    assert report["valid"] is True
    assert report["revoked"] is False
    assert report["model"] == {"jwt": [], "readable": []}


def test_the_model_validator_is_not_a_rubber_stamp(client, app, trainee):
    cert = earn_certificate(client, app)
    readable = json.loads(download(client, cert.serial, "json"))
    readable["credentialSubject"]["achievement"]["criteria"] = "pass the quizzes"
    readable["issuer"] = 42
    report = verify_with_node(client, download(client, cert.serial, "jwt"), ISSUER, readable=readable)
    assert any(issue.startswith("credentialSubject") for issue in report["model"]["readable"])
    assert any(issue.startswith("issuer") for issue in report["model"]["readable"])


def test_a_tampered_credential_fails(client, app, trainee):
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    report = verify_with_node(client, change_one_character(token), ISSUER, documents=fetched_documents(client, token))
    assert report["valid"] is False
    assert "signature verification failed" in report["problems"][0]


def test_a_revoked_credential_is_reported_revoked(client, app, trainee, admin_client):  # noqa: F811
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    assert verify_with_node(client, token, ISSUER)["revoked"] is False
    revoke(admin_client, cert.serial)
    report = verify_with_node(client, token, ISSUER)  # the status list is fetched again, as after its ttl
    assert report["revoked"] is True
    assert report["problems"] == ["revoked"]


def test_an_expired_credential_fails(client, app, trainee):
    cert = earn_certificate(client, app)
    report = verify_with_node(client, download(client, cert.serial, "jwt"), ISSUER,
                              now=(cert.expires_at + timedelta(days=1)).timestamp())
    assert report["valid"] is False
    assert '"exp" claim timestamp check failed' in report["problems"][0]


def test_a_credential_signed_by_a_retired_and_removed_key_fails(client, app, trainee):
    cert = earn_certificate(client, app)
    old_token = download(client, cert.serial, "jwt")
    assert app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0
    assert verify_with_node(client, old_token, ISSUER)["valid"] is True  # retired keys stay published
    kid = jwt.get_unverified_header(old_token)["kid"]
    with app.app_context():
        (key_store().directory / f"{kid.rsplit('/', 1)[-1]}.pub.pem").unlink()  # withdrawn
    assert client.get(kid.removeprefix("http://localhost")).status_code == 404
    report = verify_with_node(client, old_token, ISSUER)
    assert report["valid"] is False
    assert "does not dereference to a key" in report["problems"][0]
    fresh = verify_with_node(client, download(client, cert.serial, "jwt"), ISSUER)
    assert fresh["valid"] is True  # the holder downloads it again, signed with the current key


def test_another_issuer_or_a_symmetric_signature_fails(client, app, trainee):
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    documents = fetched_documents(client, token)
    assert "unexpected \"iss\" claim value" in verify_with_node(
        client, token, "https://elsewhere.example/issuer", documents=documents)["problems"][0]
    claims = jwt.decode(token, options={"verify_signature": False})
    header = jwt.get_unverified_header(token)
    jwk = documents[header["kid"]]
    hs256 = jwt.encode(claims, jwk["n"], algorithm="HS256", headers={"kid": header["kid"], "typ": "JWT"})
    assert "alg is HS256" in verify_with_node(client, hs256, ISSUER, documents=documents)["problems"][0]


def _docs_block(language: str, after: str) -> str:
    """The first fenced `language` block after the text `after` in docs/certificates.md."""
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(f"```{language}\n", text.index(after)) + len(language) + 4
    return text[start:text.index("```", start)]


def _offline_files(client, tmp_path, token: str) -> list[str]:
    """What docs/certificates.md tells a third party to fetch once: the JWKS and the status list."""
    url = jwt.decode(token, options={"verify_signature": False})["credentialStatus"]["statusListCredential"]
    files = {"credential.jwt": token, "jwks.json": client.get("/.well-known/jwks.json").get_data(as_text=True),
             "status-1.jwt": client.get(url.removeprefix(DOCS_BASE)).get_data(as_text=True)}
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    return [str(tmp_path / name) for name in files]


def test_the_documented_offline_checks_work_and_see_a_revocation(client, app, trainee, admin_client,  # noqa: F811
                                                                 tmp_path):
    app.config["PUBLIC_BASE_URL"] = DOCS_BASE
    cert = earn_certificate(client, app)
    token = download(client, cert.serial, "jwt")
    script = tmp_path / "check_credential.py"
    script.write_text(_docs_block("python", "saved as `check_credential.py`"), encoding="utf-8")
    node = node_verifier()
    verifier = [node, str(VERIFIER / "verify.mjs"), "--issuer", f"{DOCS_BASE}/issuer"]

    def run(command):
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603

    files = _offline_files(client, tmp_path, token)
    python = run([sys.executable, str(script), *files])
    assert python.returncode == 0, python.stderr
    assert "not revoked in the list fetched" in python.stdout
    assert run([*verifier, *files]).returncode == 0
    revoke(admin_client, cert.serial)
    files = _offline_files(client, tmp_path, token)  # the list fetched again after the revocation
    assert "REVOKED" in run([sys.executable, str(script), *files]).stdout
    revoked = run([*verifier, *files])
    assert revoked.returncode == 1
    assert json.loads(revoked.stdout)["problems"] == ["revoked"]
